import { describe, expect, it } from "vitest";
import {
  compositionFacts,
  formEstimate,
  formReducer,
  initialForm,
  validateForm,
} from "../../../tui/app/new-job-form.js";
import { appReducer, currentScreen, initialState } from "../../../tui/app/state.js";

describe("appReducer", () => {
  it("opens screens and goes back, never past the first", () => {
    let state = initialState();
    state = appReducer(state, { type: "open", screen: { name: "job", executionArn: "arn:x" } });
    state = appReducer(state, { type: "open", screen: { name: "history", executionArn: "arn:x" } });
    expect(currentScreen(state)).toEqual({ name: "history", executionArn: "arn:x" });
    state = appReducer(state, { type: "back" });
    state = appReducer(state, { type: "back" });
    state = appReducer(state, { type: "back" });
    expect(currentScreen(state)).toEqual({ name: "jobs" });
  });

  it("keeps the selection inside the list", () => {
    let state = initialState();
    state = appReducer(state, { type: "move", list: "jobs", delta: -1, total: 3 });
    expect(state.selected.jobs).toBe(0);
    state = appReducer(state, { type: "move", list: "jobs", delta: 10, total: 3 });
    expect(state.selected.jobs).toBe(2);
  });

  it("closes a confirmation with back before leaving the screen", () => {
    let state = appReducer(initialState(), { type: "open", screen: { name: "job", executionArn: "a" } });
    state = appReducer(state, { type: "ask", confirm: { kind: "cancel", executionArn: "a" } });
    state = appReducer(state, { type: "back" });
    expect(state.confirm).toBeUndefined();
    expect(currentScreen(state).name).toBe("job");
  });
});

describe("new job form", () => {
  const typeInto = (field: number, text: string) => {
    let state = formReducer(initialForm(), { type: "focus", delta: field });
    for (const ch of text) state = formReducer(state, { type: "type", text: ch });
    return state;
  };

  it("validates as you type with the contract's messages", () => {
    let state = typeInto(1, "25");
    state = formReducer(state, { type: "focus", delta: -1 });
    state = formReducer(state, { type: "type", text: "p" });
    state = formReducer(state, { type: "pathInfo", info: { kind: "project", durationSeconds: 2 } });
    expect(validateForm(state).errors.fps).toBe("fps must be one of 24, 30, 60");
    state = formReducer(state, { type: "focus", delta: 1 });
    state = formReducer(state, { type: "erase" });
    expect(validateForm(state).errors.fps).toBe("fps must be one of 24, 30, 60");
    state = formReducer(state, { type: "erase" });
    state = formReducer(state, { type: "type", text: "30" });
    expect(validateForm(state).errors).toEqual({});
    expect(validateForm(state).config).toMatchObject({
      fps: 30,
      chunkSize: 240,
      maxParallelChunks: 16,
      format: "mp4",
    });
  });

  it("names odd widths, lone widths and a missing path", () => {
    let state = typeInto(2, "641");
    expect(validateForm(state).errors.width).toBe("width must be even (H.264 needs even dimensions)");
    state = typeInto(2, "640");
    expect(validateForm(state).errors.width).toBe("width and height go together: give both or neither");
    expect(validateForm(state).errors.path).toBe("give a project folder or a video file");
  });

  it("estimates from the composition's own duration and size", () => {
    const facts = compositionFacts(
      '<div id="root" data-composition-id="x" data-width="640" data-height="360" data-duration="2"></div>',
    );
    expect(facts).toEqual({ durationSeconds: 2, width: 640, height: 360 });
    const state = formReducer(typeInto(0, "p"), { type: "pathInfo", info: { kind: "project", ...facts } });
    const estimate = formEstimate(state);
    expect(estimate?.assumptions[0]).toBe("60 frames at 640x360 in 1 chunks of 240");
  });
});
