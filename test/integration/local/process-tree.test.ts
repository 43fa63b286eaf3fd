import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { isRunning, killInvocation, processFacts } from "../../../local/workers/process-tree.js";

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
});
