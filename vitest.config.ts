import { defineConfig } from "vitest/config";

// Three projects: unit (pure logic, SDK fakes at the edge), integration (real local S3, real ffmpeg and
// Chromium, the real ASL interpreter), e2e (the CLI and TUI as a user runs them). `npm test` runs all.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.{ts,tsx}"],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.{ts,tsx}"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // Real renders and encodes saturate both cores: one file at a time, and not alongside e2e
          // (groups run one after another), so a heavy file never competes with another for the cores.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.{ts,tsx}"],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
    typecheck: { enabled: false },
  },
});
