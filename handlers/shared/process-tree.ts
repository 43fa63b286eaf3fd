import { readdirSync, readFileSync } from "node:fs";

/**
 * Child processes (Chromium, ffmpeg) that a library starts without giving us a handle. On a timeout we
 * kill the descendants that appeared during the invocation, leaving older ones (e.g. a test's own
 * servers) alone. Linux only (reads /proc); elsewhere it finds nothing.
 */

/** Parses `/proc/<pid>/stat` into [pid, ppid]. The command name may contain spaces and parentheses. */
export function parseProcStat(stat: string): { pid: number; ppid: number } | undefined {
  const close = stat.lastIndexOf(")");
  const open = stat.indexOf("(");
  if (open < 0 || close < open) return undefined;
  const pid = Number(stat.slice(0, open).trim());
  const fields = stat.slice(close + 2).split(" ");
  const ppid = Number(fields[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined;
  return { pid, ppid };
}

/** Every descendant of `root`, from a list of (pid, ppid) pairs. */
export function descendantsOf(root: number, table: ReadonlyArray<{ pid: number; ppid: number }>): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      if (!found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function processTable(): Array<{ pid: number; ppid: number }> {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const table: Array<{ pid: number; ppid: number }> = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parsed = parseProcStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (parsed) table.push(parsed);
    } catch {
      // exited while we looked
    }
  }
  return table;
}

export const currentDescendants = (root: number = process.pid): number[] =>
  descendantsOf(root, processTable());

/** SIGKILLs the descendants of this process that are not in `before`. Returns the pids signalled. */
export function killNewDescendants(before: ReadonlySet<number>, root: number = process.pid): number[] {
  const killed: number[] = [];
  for (const pid of currentDescendants(root)) {
    if (before.has(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // already gone
    }
  }
  return killed;
}
