import { runCli } from "./program.js";

// The process entry: wire real IO, turn SIGINT/SIGTERM into an abort the command can clean up after.
const controller = new AbortController();
let interrupted = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupted += 1;
  if (interrupted > 1) process.exit(130);
  process.stderr.write(`\n${signal}: stopping (press Ctrl-C again to force)\n`);
  controller.abort(new Error(signal));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const code = await runCli({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
// Open handles (SDK sockets, Ink) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
