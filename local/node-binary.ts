import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The Node binary workers run on: this process's own when it is Node 22 (npx and npm scripts put the
 * pinned `node` package first on PATH), else the pinned one from node_modules (Lambda's nodejs22.x).
 */
export function nodeBinary(): string {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 22) return process.execPath;
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  return existsSync(pinned) ? pinned : process.execPath;
}
