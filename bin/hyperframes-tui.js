#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so `npm ci` is the only setup step.
// `npx` puts node_modules/.bin first on PATH, so `node` here is the pinned Node 22 from the `node` package.
import { register } from "tsx/esm/api";

register();
await import("../tui/cli/main.ts");
