import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * One unpacked @sparticuz/chromium for every render worker on this machine.
 *
 * `chromium.executablePath()` unpacks into the temp folder and returns `/tmp/chromium` as soon as that
 * file EXISTS, and it exists from the first byte written: in Lambda each execution environment has
 * its own /tmp, but local workers share one, so a worker starting while another unpacks got a
 * half-written binary (`spawn ETXTBSY`, or a browser dying on half-written libraries), and a worker
 * killed mid-unpack (stop, timeout, memory) left a truncated one behind for good. Here the unpack runs
 * once, in a child process whose temp folder is a private staging folder, which is then renamed into
 * place (atomic): the folder exists only complete. Same files, same layout (libraries next to the
 * binary, `fonts/` beside it), so renders are unchanged. The render handler takes the path from
 * PRODUCER_HEADLESS_SHELL_PATH and skips its own unpack.
 */

const execFileAsync = promisify(execFile);
const packageJson = fileURLToPath(
  new URL("../node_modules/@sparticuz/chromium/package.json", import.meta.url),
);

/** `<tmp>/hyperframes-chromium-<version>/chromium`, unpacking it first when it is not there yet. */
export async function unpackedChromium(nodePath: string, root: string = tmpdir()): Promise<string> {
  const { version } = JSON.parse(await readFile(packageJson, "utf8")) as { version: string };
  const dir = join(root, `hyperframes-chromium-${version}`);
  const binary = join(dir, "chromium");
  if (existsSync(binary)) return binary;
  const staging = await mkdtemp(join(root, `hyperframes-chromium-${version}.staging-`));
  try {
    const script = `const { default: chromium } = await import(${JSON.stringify(import.meta.resolve("@sparticuz/chromium"))}); process.stdout.write(await chromium.executablePath());`;
    const { stdout } = await execFileAsync(nodePath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TMPDIR: staging, NODE_OPTIONS: "" },
    });
    if (stdout !== join(staging, "chromium")) throw new Error(`unexpected unpack location ${stdout}`);
    try {
      await rename(staging, dir);
    } catch (err) {
      // Another process won the race: its folder is complete; ours goes.
      if (!existsSync(binary)) throw err;
    }
    return binary;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
