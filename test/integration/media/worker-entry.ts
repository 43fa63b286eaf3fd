// Runs the media handler once in its own process, configured by the environment only (as a local
// worker or Lambda would): reads one event as JSON from argv[2], prints the result as JSON.
import { handler } from "../../../handlers/media/index.js";

const event: unknown = JSON.parse(process.argv[2] ?? "null");
try {
  process.stdout.write(`${JSON.stringify(await handler(event, {}))}\n`);
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ error: { name: (err as Error).name, message: (err as Error).message } })}\n`,
  );
  process.exitCode = 1;
}
