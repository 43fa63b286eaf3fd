import { PassThrough, Writable } from "node:stream";
import type { CliIo } from "../../../tui/cli/program.js";

/** In-memory streams for running the CLI in-process. */
export class CapturedStream extends Writable {
  text = "";
  isTTY: boolean;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export function captureIo(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; tty?: boolean; cwd?: string } = {},
) {
  const stdout = new CapturedStream(options.tty ?? false);
  const stderr = new CapturedStream();
  const stdin = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  const io: CliIo = {
    argv,
    stdout,
    stderr,
    stdin,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
  return { io, stdout, stderr };
}
