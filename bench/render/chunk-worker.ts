import { handler } from "../../handlers/render/index.js";

/**
 * One render invocation in its own process, as a Lambda worker runs it: the event is argv[2] (JSON),
 * the result is printed as the last stdout line. Settings come from env like in a deployed function
 * (AWS_ENDPOINT_URL_S3, S3_FORCE_PATH_STYLE, PRODUCER_HEADLESS_SHELL_PATH).
 */
const event: unknown = JSON.parse(process.argv[2] ?? "{}");
try {
  const result = await handler(event);
  process.stdout.write(`\n${JSON.stringify({ ok: true, result })}\n`);
  process.exit(0);
} catch (err) {
  process.stdout.write(
    `\n${JSON.stringify({ ok: false, error: { name: (err as Error).name, message: (err as Error).message } })}\n`,
  );
  process.exit(1);
}
