import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../handlers/contracts/errors.js";

/** One local cloud per data folder: `<dataDir>/local.lock` holds the owner's pid. */
export const LOCK_FILE_NAME = "local.lock";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock (replacing one whose process is gone) and returns its release function. */
export async function acquireDataDirLock(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        try {
          if ((await readFile(path, "utf8")).trim() === String(process.pid)) await unlink(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new AppError(
          "LOCAL_CLOUD_BUSY",
          `The local cloud in ${dir} is already running (pid ${owner}).`,
          {
            details: { pid: owner, dataDir: dir },
          },
        );
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new AppError("LOCAL_CLOUD_BUSY", `Could not take the lock ${path}.`);
}
