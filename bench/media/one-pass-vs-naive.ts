import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { readMediaConfig } from "../../handlers/media/config.js";
import { probeArgs, transcodeArgs } from "../../handlers/media/ffmpeg/args.js";
import { runFfmpeg, runFfprobe } from "../../handlers/media/ffmpeg/run.js";
import { type MediaPlan, parseProbe, planMedia } from "../../handlers/media/plan.js";

/**
 * One-pass CMAF (decode once, one encoder per rung, one set of fMP4 segments for HLS and DASH) vs the
 * naive approach of the transcoder it replaces: one ffmpeg run per rendition for HLS, then a second full
 * encode of every rendition for DASH. Same source, same ladder, same x264 settings, same run.
 *
 *   npm run bench -- media-one-pass [seconds=30]
 *
 * Prints wall and CPU ratios, the realtime factor and CPU-seconds per media second; writes
 * bench/results/media-one-pass.json.
 */

interface Measured {
  wallSeconds: number;
  cpuSeconds: number;
  outputBytes: number;
  processes: number;
}

/** CPU of reaped children (utime + stime of waited-for children, /proc/self/stat fields 16-17). */
function childCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[13]) + Number(fields[14]);
  return ticks / 100;
}

async function measure(run: () => Promise<number>): Promise<Measured> {
  const cpuBefore = childCpuSeconds();
  const started = performance.now();
  const processes = await run();
  const wallSeconds = (performance.now() - started) / 1000;
  return { wallSeconds, cpuSeconds: childCpuSeconds() - cpuBefore, outputBytes: 0, processes };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** The naive HLS run for one rendition: decode, scale, encode, package as fMP4 HLS. */
function naiveHlsArgs(plan: MediaPlan, index: number, input: string, outDir: string): string[] {
  const r = plan.renditions[index];
  if (!r) throw new Error("no rendition");
  return [
    "-hide_banner",
    "-loglevel",
    "warning",
    "-i",
    input,
    "-vf",
    `fps=${plan.fps},format=yuv420p,scale=${r.width}:${r.height}`,
    "-c:v",
    "libx264",
    "-preset",
    plan.x264Preset,
    "-profile:v",
    "high",
    "-g",
    String(plan.gopFrames),
    "-keyint_min",
    String(plan.gopFrames),
    "-sc_threshold",
    "0",
    "-b:v",
    String(r.videoBitrate),
    "-maxrate",
    String(r.maxRate),
    "-bufsize",
    String(r.bufferSize),
    "-c:a",
    "aac",
    "-b:a",
    String(plan.audioBitrate ?? 128_000),
    "-ac",
    "2",
    "-ar",
    "48000",
    "-f",
    "hls",
    "-hls_time",
    String(plan.segmentSeconds),
    "-hls_playlist_type",
    "vod",
    "-hls_segment_type",
    "fmp4",
    "-hls_fmp4_init_filename",
    `init-${index}.mp4`,
    "-hls_segment_filename",
    join(outDir, `seg-${index}-%05d.m4s`),
    join(outDir, `rendition-${index}.m3u8`),
  ];
}

/** The fully naive DASH run for one rendition (what a per-output job system does). */
function naiveDashArgs(plan: MediaPlan, index: number, input: string, outDir: string): string[] {
  const hls = naiveHlsArgs(plan, index, input, outDir);
  const cut = hls.indexOf("-f");
  return [
    ...hls.slice(0, cut),
    "-f",
    "dash",
    "-dash_segment_type",
    "mp4",
    "-seg_duration",
    String(plan.segmentSeconds),
    "-init_seg_name",
    `init-${index}-$RepresentationID$.$ext$`,
    "-media_seg_name",
    `seg-${index}-$RepresentationID$-$Number%05d$.$ext$`,
    join(outDir, `manifest-${index}.mpd`),
  ];
}

export async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 30);
  if (!(seconds >= 30)) throw new Error("the source must last at least 30 s");
  const config = readMediaConfig({
    ...process.env,
    MEDIA_TIMEOUT_SECONDS: "900",
    MEDIA_ENCODE_PIXELS_PER_SECOND: "10000000000",
  });
  const work = await mkdtemp(join(tmpdir(), "bench-media-"));
  try {
    const source = join(work, "source.mp4");
    console.error(`generating a ${seconds} s 1080p30 source ...`);
    // Moving test pattern + noise so the encoder has real work; stereo tone.
    await runFfmpeg(
      [
        "-hide_banner",
        "-loglevel",
        "warning",
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=1920x1080:rate=30,noise=alls=3:allf=t`,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        String(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "20",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ac",
        "2",
        source,
      ],
      { ffmpegPath: config.ffmpegPath, timeoutMs: 1_800_000, label: "bench source" },
    );
    const plan = planMedia(
      parseProbe(await runFfprobe(probeArgs(source), { ffprobePath: config.ffprobePath, timeoutMs: 60_000 })),
      config,
    );
    const options = { ffmpegPath: config.ffmpegPath, timeoutMs: 3_600_000 };

    const onePassDir = join(work, "one-pass");
    await mkdir(onePassDir);
    console.error(`one pass: ${plan.renditions.map((r) => r.name).join(", ")} -> HLS + DASH ...`);
    const onePass = await measure(async () => {
      await runFfmpeg(transcodeArgs(plan, source, onePassDir), { ...options, label: "one pass" });
      return 1;
    });
    onePass.outputBytes = await dirBytes(onePassDir);

    const naiveDir = join(work, "naive");
    const naiveDashDir = join(work, "naive-dash");
    await mkdir(naiveDir);
    await mkdir(naiveDashDir);
    console.error("naive: one HLS run per rendition, then a full DASH encode ...");
    const naiveHls = await measure(async () => {
      for (let i = 0; i < plan.renditions.length; i++) {
        await runFfmpeg(naiveHlsArgs(plan, i, source, naiveDir), { ...options, label: `naive hls ${i}` });
      }
      return plan.renditions.length;
    });
    // The DASH pass re-encodes every rendition (one process: the favourable case for the baseline).
    const naiveDashOnly = await measure(async () => {
      const dash = transcodeArgs(plan, source, naiveDashDir);
      dash[dash.indexOf("-hls_playlist") + 1] = "0";
      await runFfmpeg(dash, { ...options, label: "naive dash" });
      return 1;
    });
    const naive: Measured = {
      wallSeconds: naiveHls.wallSeconds + naiveDashOnly.wallSeconds,
      cpuSeconds: naiveHls.cpuSeconds + naiveDashOnly.cpuSeconds,
      outputBytes: 0,
      processes: naiveHls.processes + 1,
    };
    naive.outputBytes = (await dirBytes(naiveDir)) + (await dirBytes(naiveDashDir));

    const perOutputDashDir = join(work, "naive-dash-per-rendition");
    await mkdir(perOutputDashDir);
    console.error("naive, per output: the same HLS runs, then one DASH run per rendition ...");
    const dashPerRendition = await measure(async () => {
      for (let i = 0; i < plan.renditions.length; i++) {
        await runFfmpeg(naiveDashArgs(plan, i, source, perOutputDashDir), {
          ...options,
          label: `naive dash ${i}`,
        });
      }
      return plan.renditions.length;
    });
    // HLS runs are the same in both naive variants: reuse their measurement.
    const perOutput: Measured = {
      wallSeconds: naive.wallSeconds - naiveDashOnly.wallSeconds + dashPerRendition.wallSeconds,
      cpuSeconds: naive.cpuSeconds - naiveDashOnly.cpuSeconds + dashPerRendition.cpuSeconds,
      outputBytes: (await dirBytes(naiveDir)) + (await dirBytes(perOutputDashDir)),
      processes: plan.renditions.length * 2,
    };

    // One pass again after the naive runs: on a shared machine load changes during the bench, so the
    // one-pass figures are the mean of a run before and a run after the baselines.
    await rm(onePassDir, { recursive: true, force: true });
    await mkdir(onePassDir);
    console.error("one pass again ...");
    const onePassAfter = await measure(async () => {
      await runFfmpeg(transcodeArgs(plan, source, onePassDir), { ...options, label: "one pass (again)" });
      return 1;
    });
    const onePassBefore = { ...onePass };
    onePass.wallSeconds = (onePassBefore.wallSeconds + onePassAfter.wallSeconds) / 2;
    onePass.cpuSeconds = (onePassBefore.cpuSeconds + onePassAfter.cpuSeconds) / 2;

    const media = plan.source.durationSeconds;
    const result = {
      bench: "media-one-pass",
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", loadAverage: loadavg() },
      ffmpeg: "@ffmpeg-installer/linux-x64 4.1.0 (static 2018 git build)",
      source: { seconds: media, width: plan.source.width, height: plan.source.height, fps: plan.fps },
      ladder: plan.renditions.map((r) => `${r.name} ${r.width}x${r.height} ${r.videoBitrate / 1000}k`),
      preset: plan.x264Preset,
      onePassRuns: [onePassBefore, { ...onePassAfter, outputBytes: onePass.outputBytes }].map((m) => ({
        wallSeconds: m.wallSeconds,
        cpuSeconds: m.cpuSeconds,
      })),
      onePass: {
        ...onePass,
        realtimeFactor: media / onePass.wallSeconds,
        cpuSecondsPerMediaSecond: onePass.cpuSeconds / media,
      },
      naive: {
        ...naive,
        realtimeFactor: media / naive.wallSeconds,
        cpuSecondsPerMediaSecond: naive.cpuSeconds / media,
      },
      naivePerOutput: {
        ...perOutput,
        realtimeFactor: media / perOutput.wallSeconds,
        cpuSecondsPerMediaSecond: perOutput.cpuSeconds / media,
      },
      ratios: {
        wall: naive.wallSeconds / onePass.wallSeconds,
        cpu: naive.cpuSeconds / onePass.cpuSeconds,
        storage: naive.outputBytes / onePass.outputBytes,
      },
      ratiosPerOutput: {
        wall: perOutput.wallSeconds / onePass.wallSeconds,
        cpu: perOutput.cpuSeconds / onePass.cpuSeconds,
        storage: perOutput.outputBytes / onePass.outputBytes,
      },
      /** Pixels per second one pass sustained (sum of rung pixels x fps x duration / wall): MEDIA_ENCODE_PIXELS_PER_SECOND. */
      onePassPixelsPerSecond: Math.round(
        (plan.renditions.reduce((sum, r) => sum + r.width * r.height, 0) * plan.fps * media) /
          onePass.wallSeconds,
      ),
    };
    const fmt = (n: number) => n.toFixed(2);
    console.log(
      [
        `source ${media} s ${plan.source.width}x${plan.source.height}@${plan.fps}, ladder ${result.ladder.join(" | ")}, preset ${plan.x264Preset}`,
        `one pass : wall ${fmt(onePass.wallSeconds)} s, cpu ${fmt(onePass.cpuSeconds)} s (mean of ${fmt(onePassBefore.wallSeconds)}/${fmt(onePassAfter.wallSeconds)} s wall, ${fmt(onePassBefore.cpuSeconds)}/${fmt(onePassAfter.cpuSeconds)} s cpu), ${onePass.processes} process, realtime x${fmt(result.onePass.realtimeFactor)}, ${fmt(result.onePass.cpuSecondsPerMediaSecond)} cpu-s per media s`,
        `naive    : wall ${fmt(naive.wallSeconds)} s, cpu ${fmt(naive.cpuSeconds)} s, ${naive.processes} processes, realtime x${fmt(result.naive.realtimeFactor)}, ${fmt(result.naive.cpuSecondsPerMediaSecond)} cpu-s per media s`,
        `naive/out: wall ${fmt(perOutput.wallSeconds)} s, cpu ${fmt(perOutput.cpuSeconds)} s, ${perOutput.processes} processes, realtime x${fmt(result.naivePerOutput.realtimeFactor)}, ${fmt(result.naivePerOutput.cpuSecondsPerMediaSecond)} cpu-s per media s`,
        `ratios   : wall ${fmt(result.ratios.wall)}x, cpu ${fmt(result.ratios.cpu)}x, storage ${fmt(result.ratios.storage)}x (naive: HLS per rendition + one DASH ladder encode / one pass)`,
        `ratios   : wall ${fmt(result.ratiosPerOutput.wall)}x, cpu ${fmt(result.ratiosPerOutput.cpu)}x, storage ${fmt(result.ratiosPerOutput.storage)}x (naive per output: HLS and DASH per rendition / one pass)`,
        `load     : ${loadavg()
          .map((l) => l.toFixed(1))
          .join(
            " ",
          )} (1/5/15 min) on ${cpus().length} cores: wall and, less so, CPU times are noisy when the machine is shared`,
      ].join("\n"),
    );
    const out = new URL("../results/media-one-pass.json", import.meta.url);
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    console.error(`wrote ${out.pathname}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
