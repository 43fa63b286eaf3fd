import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";

/**
 * One CPU core per render invocation, as a 1,769 MB Lambda gets one vCPU. Two reasons, both measured
 * (docs/local-cloud.md "CPU pinning"): a chunk's bytes depend on how many CPUs its ffmpeg sees (x264
 * sizes its threads from the affinity mask), so a fixed count makes them the same on every machine;
 * and concurrent unpinned chunks oversubscribe the cores and slow each other down far more than 2x.
 * Linux only (sched affinity through util-linux `taskset`); elsewhere nothing is pinned.
 */

const run = promisify(execFile);

/** Parses a kernel CPU list ("0-3,6,8-9") into core ids. */
export function parseCpuList(list: string): number[] {
  const cores: number[] = [];
  for (const part of list.trim().split(",")) {
    if (part === "") continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match?.[1]) throw new Error(`Not a CPU list: ${JSON.stringify(list)}`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let core = first; core <= last; core++) cores.push(core);
  }
  return cores;
}

/** The cores this process may run on (its own affinity), or 0..n-1 when /proc does not say. */
export function allowedCores(): number[] {
  try {
    const match = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match?.[1]) return parseCpuList(match[1]);
  } catch {
    // not Linux
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

let tasksetAvailable: boolean | undefined;

/** Whether processes can be pinned here: Linux with `taskset` on PATH. */
export function canPinProcesses(): boolean {
  tasksetAvailable ??=
    process.platform === "linux" && spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
  return tasksetAvailable;
}

/**
 * Restricts every thread of a running process to one core; the processes it starts afterwards
 * (Chromium, ffmpeg) inherit it.
 */
export async function pinProcessToCore(pid: number, core: number): Promise<void> {
  await run("taskset", ["--all-tasks", "--cpu-list", "--pid", String(core), String(pid)]);
}

/** `[command, ...args]` prefixed so the new process starts on one core (unchanged if pinning is unavailable). */
export function onOneCore(core: number, command: string, args: readonly string[]): [string, string[]] {
  return canPinProcesses()
    ? ["taskset", ["--cpu-list", String(core), command, ...args]]
    : [command, [...args]];
}

/** Hands out the least-used core, so concurrent invocations land on different cores while there are enough. */
export class CoreAllocator {
  private readonly holders: Map<number, number>;

  constructor(cores: readonly number[] = allowedCores()) {
    if (cores.length === 0) throw new Error("CoreAllocator needs at least one core");
    this.holders = new Map(cores.map((core) => [core, 0]));
  }

  take(): number {
    // Ties go to the earlier core; the constructor guarantees at least one entry.
    const [core] = [...this.holders].reduce((best, entry) => (entry[1] < best[1] ? entry : best));
    this.holders.set(core, (this.holders.get(core) ?? 0) + 1);
    return core;
  }

  release(core: number): void {
    const count = this.holders.get(core);
    if (count !== undefined && count > 0) this.holders.set(core, count - 1);
  }
}
