import { describe, expect, it } from "vitest";
import { colourEnabled, decideOutputMode } from "../../../tui/cli/output-mode.js";

const tty = { json: false, stdoutIsTTY: true, stdinIsTTY: true, env: {} };

describe("output mode", () => {
  it("is interactive only in a terminal outside CI", () => {
    expect(decideOutputMode(tty)).toBe("interactive");
    expect(decideOutputMode({ ...tty, stdoutIsTTY: false })).toBe("plain");
    expect(decideOutputMode({ ...tty, stdinIsTTY: false })).toBe("plain");
    expect(decideOutputMode({ ...tty, env: { CI: "true" } })).toBe("plain");
    expect(decideOutputMode({ ...tty, env: { CI: "false" } })).toBe("interactive");
    expect(decideOutputMode({ ...tty, env: { TERM: "dumb" } })).toBe("plain");
  });

  it("--json wins over everything", () => {
    expect(decideOutputMode({ ...tty, json: true })).toBe("json");
  });

  it("honours NO_COLOR", () => {
    expect(colourEnabled("interactive", {})).toBe(true);
    expect(colourEnabled("interactive", { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled("plain", {})).toBe(false);
  });
});
