import { readdir, readFile } from "node:fs/promises";

/**
 * Linux process facts from /proc, used to measure a worker's memory (the whole tree: Node, Chromium,
 * ffmpeg) and to make sure nothing it started outlives it. Chromium launched by puppeteer runs in its
 * own process group, so killing the worker's group is not enough: every process started by an
 * invocation carries the invocation's marker in its environment and is found by it.
 */

export interface ProcessFacts {
  pid: number;
  ppid: number;
  pgrp: number;
  rssBytes: number;
  /** Start time in clock ticks since boot: with the pid, it names one process (pids are reused). */
  startTicks: number;
}

/**
 * A process group as observed: its id and its leader's start time. Pids, and so group ids, are reused
 * (this machine's pid_max is 32768): a group id recorded minutes ago may now be some other process's
 * group, another worker's included. A group is signalled only while its leader is the process seen.
 */
export interface ProcessGroup {
  pgid: number;
  leaderStartTicks: number;
}

const PAGE_SIZE = 4096;

/** Parses /proc/<pid>/stat (the command name may contain spaces and parentheses). */
export function parseProcStat(text: string): ProcessFacts | undefined {
  const close = text.lastIndexOf(")");
  const pid = Number.parseInt(text, 10);
  if (close < 0 || Number.isNaN(pid)) return undefined;
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state) of proc(5): ppid is field 4, pgrp 5, starttime 22, rss 24.
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const startTicks = Number(fields[19]);
  const rssPages = Number(fields[21]);
  if ([ppid, pgrp, startTicks, rssPages].some(Number.isNaN)) return undefined;
  return { pid, ppid, pgrp, rssBytes: rssPages * PAGE_SIZE, startTicks };
}

async function pids(): Promise<number[]> {
  const entries = await readdir("/proc");
  return entries.filter((name) => /^\d+$/.test(name)).map(Number);
}

export async function listProcesses(): Promise<ProcessFacts[]> {
  const found: ProcessFacts[] = [];
  await Promise.all(
    (await pids()).map(async (pid) => {
      try {
        const facts = parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
        if (facts) found.push(facts);
      } catch {
        // exited meanwhile
      }
    }),
  );
  return found;
}

/** The root and all its descendants. */
export function descendantsOf(rootPid: number, processes: readonly ProcessFacts[]): ProcessFacts[] {
  const byParent = new Map<number, ProcessFacts[]>();
  for (const p of processes) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const result: ProcessFacts[] = [];
  const root = processes.find((p) => p.pid === rootPid);
  const queue = root ? [root] : [];
  while (queue.length > 0) {
    const next = queue.shift() as ProcessFacts;
    result.push(next);
    queue.push(...(byParent.get(next.pid) ?? []));
  }
  return result;
}

/** Pids of processes whose environment contains `NAME=value`. */
export async function processesWithEnv(name: string, value: string): Promise<number[]> {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const needleAtStart = Buffer.from(`${name}=${value}\0`);
  const matches: number[] = [];
  await Promise.all(
    (await pids()).map(async (pid) => {
      try {
        const environ = await readFile(`/proc/${pid}/environ`);
        if (environ.includes(needle) || environ.subarray(0, needleAtStart.length).equals(needleAtStart))
          matches.push(pid);
      } catch {
        // exited meanwhile, or not ours
      }
    }),
  );
  return matches;
}

/** A process's facts now, or undefined when it is gone. */
export async function processFacts(pid: number): Promise<ProcessFacts | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Whether the group's leader is still the process that was seen (so its id is not someone else's now). */
async function isSameGroup(group: ProcessGroup): Promise<boolean> {
  if (!Number.isInteger(group.pgid) || group.pgid <= 1) return false;
  const leader = await processFacts(group.pgid);
  return leader !== undefined && leader.pgrp === group.pgid && leader.startTicks === group.leaderStartTicks;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Kills every process of an invocation: the worker's group, the groups its descendants created (each
 * only if its leader was the very process seen when the kill began: a reused group id belongs to
 * someone else), and anything carrying the marker (reparented orphans, members of a group whose leader
 * is gone). Returns once none of them is running, members of those groups included (SIGKILL is
 * asynchronous: a dying Chromium's environment can no longer be read, but its group still shows), or
 * after about three seconds.
 */
export async function killInvocation(options: {
  groups: Iterable<ProcessGroup>;
  markerName: string;
  markerValue: string;
  /** Processes to spare (a warm worker's own Node process and its loader's helper). */
  keep?: ReadonlySet<number>;
}): Promise<void> {
  const spared = (pid: number) => pid === process.pid || options.keep?.has(pid) === true;
  // Linux gives no new process a pid that is still some group's id, so while any member of a group
  // seen here lives, that id still names this group.
  const groupIds = new Set<number>();
  for (const group of options.groups) if (await isSameGroup(group)) groupIds.add(group.pgid);
  const seen = new Set<number>();
  for (let round = 0; round < 150; round += 1) {
    const listed = (await listProcesses()).filter((p) => groupIds.has(p.pgrp));
    const members: number[] = [];
    for (const p of listed) if (await isRunning(p.pid)) members.push(p.pid);
    // Only groups that still have members: once a group is empty its id may be handed out again.
    for (const pgid of new Set(listed.map((p) => p.pgrp))) killQuietly(-pgid, "SIGKILL");
    const marked = await processesWithEnv(options.markerName, options.markerValue);
    const found = [...members, ...marked].filter((pid) => !spared(pid));
    for (const pid of found) {
      seen.add(pid);
      killQuietly(pid, "SIGKILL");
    }
    const alive = await Promise.all([...seen].map((pid) => isRunning(pid)));
    if (found.length === 0 && !alive.includes(true)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process exists and has not exited (a zombie awaiting its parent counts as exited). */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
