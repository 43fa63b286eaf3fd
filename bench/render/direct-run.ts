import { prepareProducerRuntime } from "../../handlers/render/runtime.js";
import { runProducerDirect } from "./harness.js";

/**
 * `runProducerDirect` in a process of its own, so it can be started on one core like the local
 * cloud's render workers (harness.ts runProducerDirectOnOneCore). argv: project dir, chunk size, work
 * dir, output path. Prints the chunk SHA-256s as JSON on the last stdout line.
 */
const [projectDir, chunkSize, workDir, out] = process.argv.slice(2);
if (!projectDir || !chunkSize || !workDir || !out) {
  console.error("usage: direct-run.ts <project dir> <chunk size> <work dir> <output path>");
  process.exit(2);
}
await prepareProducerRuntime();
const shas = await runProducerDirect(projectDir, Number(chunkSize), workDir, out);
process.stdout.write(`\n${JSON.stringify(shas)}\n`);
