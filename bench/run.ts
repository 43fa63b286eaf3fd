/**
 * `npm run bench -- <name> [args...]`: runs one benchmark. Each area registers its entry here (one line);
 * an entry is a module whose `main(args)` writes its results under bench/results/ and prints ratios.
 */
const BENCHES: Record<
  string,
  { describe: string; load: () => Promise<{ main(args: string[]): Promise<void> }> }
> = {
  "local-orchestration": {
    describe:
      "1,000-task Map through the local Step Functions API (time, memory, history) and a real render's orchestration share",
    load: () => import("./local/orchestration.js"),
  },
  "media-one-pass": {
    describe:
      "one-pass CMAF ladder (HLS + DASH) vs one ffmpeg run per rendition + a DASH re-encode, 30 s 1080p30",
    load: () => import("./media/one-pass-vs-naive.js"),
  },
  "render-eval": {
    describe:
      "render a fixture as `render` does (local cloud, or --target aws) at 1/2/4 chunks: wall ms, PSNR",
    load: () => import("./render/eval.js"),
  },
  "render-throughput": {
    describe: "30 s 720p composition: 2 chunk workers vs 1, time outside chunks, vs in-process, peak memory",
    load: () => import("./render/throughput.js"),
  },
  "tui-view-model": {
    describe:
      "1,000-chunk history replayed through the TUI poller and view model: ms per tick, requests, memory vs re-reading",
    load: () => import("./tui/view-model.js"),
  },
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(
    `usage: npm run bench -- <name> [args]\n${Object.entries(BENCHES)
      .map(([n, b]) => `  ${n.padEnd(20)} ${b.describe}`)
      .join("\n")}`,
  );
  process.exit(name ? 2 : 0);
}
await (await bench.load()).main(args);
