import { render } from "ink-testing-library";
import { describe, expect, it, vi } from "vitest";
import { ColourContext, Tone } from "../../../tui/app/theme.js";

// Colour support is detected when chalk loads: force it for this file so "on" can show colour.
vi.hoisted(() => {
  process.env.FORCE_COLOR = "1";
});

const SGR_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[(3[0-7]|9[0-7])m`);

describe("Tone", () => {
  it("colours by state, and not at all when colour is off (NO_COLOR)", () => {
    const on = render(
      <ColourContext.Provider value={true}>
        <Tone state="failed">X</Tone>
      </ColourContext.Provider>,
    );
    const off = render(
      <ColourContext.Provider value={false}>
        <Tone state="failed">X</Tone>
      </ColourContext.Provider>,
    );
    expect(on.lastFrame()).toMatch(SGR_COLOUR);
    expect(off.lastFrame()).toBe("X");
  });
});
