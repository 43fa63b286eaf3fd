import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  isRunning,
  killInvocation,
  listProcesses,
  processFacts,
} from "../../../local/workers/process-tree.js";

/**
 * Group ids are pids, and pids are reused (pid_max is often 32768): a group recorded earlier in an
 * invocation may by its end be another worker's. The clean-up signals a group only while its leader is
 * the process that was seen; a process with another start time under the same id is left alone.
 */

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

function groupLeader(): ChildProcess {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  started.push(child);
  return child;
}

describe("killInvocation", () => {
  it("leaves a process alone whose group id matches but whose start time does not (a reused id)", async () => {
    const other = groupLeader();
    const facts = await processFacts(other.pid as number);
    expect(facts?.pgrp).toBe(other.pid);
    await killInvocation({
      groups: [{ pgid: other.pid as number, leaderStartTicks: (facts?.startTicks ?? 0) - 1 }],
      markerName: "HYPERFRAMES_INVOCATION_ID",
      markerValue: randomUUID(),
    });
    expect(await isRunning(other.pid as number)).toBe(true);
  });

  it("kills the group whose leader is the process seen", async () => {
    const own = groupLeader();
    const exited = new Promise((resolve) => own.once("exit", resolve));
    const facts = await processFacts(own.pid as number);
    await killInvocation({
      groups: [{ pgid: own.pid as number, leaderStartTicks: facts?.startTicks ?? -1 }],
      markerName: "HYPERFRAMES_INVOCATION_ID",
      markerValue: randomUUID(),
    });
    await exited;
    expect(await isRunning(own.pid as number)).toBe(false);
  });

  it("returns only once every member of the killed group has exited, not just once it was signalled", async () => {
    // Members holding 300 MB each take a while to exit after SIGKILL (their memory is freed first); they
    // carry no invocation marker, so only their group ties them to the invocation.
    const hold = `"${process.execPath}" -e 'const b = Buffer.alloc(3e8, 1); setInterval(() => b[0], 1e6)' &`;
    const leader = spawn("sh", ["-c", `${hold} ${hold} ${hold} ${hold} wait`], {
      detached: true,
      stdio: "ignore",
    });
    started.push(leader);
    const pgid = leader.pid as number;
    let members: Array<{ pid: number; rssBytes: number }> = [];
    const ready = () => members.length === 4 && members.every((m) => m.rssBytes > 2.9e8);
    for (let attempt = 0; attempt < 200 && !ready(); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      members = (await listProcesses()).filter((p) => p.pgrp === pgid && p.pid !== pgid);
    }
    expect(ready()).toBe(true);
    const facts = await processFacts(pgid);
    await killInvocation({
      groups: [{ pgid, leaderStartTicks: facts?.startTicks ?? -1 }],
      markerName: "HYPERFRAMES_INVOCATION_ID",
      markerValue: randomUUID(),
    });
    for (const member of members) expect(await isRunning(member.pid)).toBe(false);
    expect(await isRunning(pgid)).toBe(false);
  });
});
