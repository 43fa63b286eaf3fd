import type { HistoryFilter } from "../history/job-model.js";

/** The interactive UI's screen state: one reducer, a typed action union, no I/O. */

export type Screen =
  | { readonly name: "jobs" }
  | { readonly name: "job"; readonly executionArn: string }
  | { readonly name: "history"; readonly executionArn: string }
  | { readonly name: "videos" }
  | { readonly name: "new" };

export type Confirm =
  | { readonly kind: "cancel"; readonly executionArn: string }
  | { readonly kind: "delete"; readonly videoId: string };

export interface AppState {
  /** Screens opened, the current one last; `back` pops. */
  readonly stack: readonly Screen[];
  readonly selected: Readonly<Record<"jobs" | "videos" | "history", number>>;
  readonly historyFilter: HistoryFilter;
  readonly showDetails: boolean;
  readonly confirm?: Confirm;
  readonly message?: string;
}

export type AppAction =
  | { readonly type: "open"; readonly screen: Screen }
  | { readonly type: "back" }
  | {
      readonly type: "move";
      readonly list: "jobs" | "videos" | "history";
      readonly delta: number;
      readonly total: number;
    }
  | { readonly type: "filter"; readonly filter: HistoryFilter }
  | { readonly type: "toggleDetails" }
  | { readonly type: "ask"; readonly confirm: Confirm }
  | { readonly type: "answer" }
  | { readonly type: "message"; readonly text: string | undefined };

export const initialState = (screen: Screen = { name: "jobs" }): AppState => ({
  stack: [screen],
  selected: { jobs: 0, videos: 0, history: 0 },
  historyFilter: {},
  showDetails: false,
});

export const currentScreen = (state: AppState): Screen => state.stack.at(-1) ?? { name: "jobs" };

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case "open": {
      const fresh =
        action.screen.name === "history"
          ? { historyFilter: {}, showDetails: false, selected: { ...state.selected, history: 0 } }
          : {};
      return { ...state, ...fresh, stack: [...state.stack, action.screen], message: undefined };
    }
    case "back":
      if (state.confirm) return { ...state, confirm: undefined };
      return state.stack.length > 1
        ? { ...state, stack: state.stack.slice(0, -1), message: undefined }
        : state;
    case "move": {
      const max = Math.max(0, action.total - 1);
      const next = Math.min(max, Math.max(0, state.selected[action.list] + action.delta));
      return { ...state, selected: { ...state.selected, [action.list]: next } };
    }
    case "filter":
      return { ...state, historyFilter: action.filter, selected: { ...state.selected, history: 0 } };
    case "toggleDetails":
      return { ...state, showDetails: !state.showDetails };
    case "ask":
      return { ...state, confirm: action.confirm };
    case "answer":
      return { ...state, confirm: undefined };
    case "message":
      return { ...state, message: action.text };
  }
}
