import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StoredHistoryEvent } from "./history.js";

/** Step Functions' execution statuses (the job statuses of the CLI and API). */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** ISO timestamps. */
  startDate: string;
  stopDate?: string;
  /** JSON text, as the API returns it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

/**
 * Executions and their histories on disk under `<dataDir>/stepfunctions/`, one folder per state
 * machine, so a later `jobs` (or a restarted local cloud) still sees them. Writes go to a temp file and
 * are renamed into place, so a crash never leaves half a record.
 */
export class ExecutionStore {
  private writes = 0;

  constructor(private readonly root: string) {}

  private folder(stateMachineName: string): string {
    return join(this.root, "executions", stateMachineName);
  }

  private async writeAtomic(path: string, text: string): Promise<void> {
    this.writes += 1;
    const tmp = `${path}.${process.pid}.${this.writes}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  }

  async save(stateMachineName: string, record: ExecutionRecord): Promise<void> {
    const folder = this.folder(stateMachineName);
    await mkdir(folder, { recursive: true });
    await this.writeAtomic(join(folder, `${record.name}.json`), JSON.stringify(record));
  }

  async saveHistory(
    stateMachineName: string,
    name: string,
    events: readonly StoredHistoryEvent[],
  ): Promise<void> {
    const folder = this.folder(stateMachineName);
    await mkdir(folder, { recursive: true });
    await this.writeAtomic(join(folder, `${name}.history.json`), JSON.stringify(events));
  }

  async loadHistory(stateMachineName: string, name: string): Promise<StoredHistoryEvent[]> {
    try {
      return JSON.parse(
        await readFile(join(this.folder(stateMachineName), `${name}.history.json`), "utf8"),
      ) as StoredHistoryEvent[];
    } catch {
      return [];
    }
  }

  /** Every stored record. */
  async loadAll(): Promise<Array<{ stateMachineName: string; record: ExecutionRecord }>> {
    const base = join(this.root, "executions");
    let machines: string[];
    try {
      machines = await readdir(base);
    } catch {
      return [];
    }
    const found: Array<{ stateMachineName: string; record: ExecutionRecord }> = [];
    for (const stateMachineName of machines) {
      const files = (await readdir(join(base, stateMachineName))).filter(
        (f) => f.endsWith(".json") && !f.endsWith(".history.json"),
      );
      for (const file of files) {
        try {
          const record = JSON.parse(
            await readFile(join(base, stateMachineName, file), "utf8"),
          ) as ExecutionRecord;
          found.push({ stateMachineName, record });
        } catch {
          // a torn or foreign file: skip it
        }
      }
    }
    return found;
  }
}
