import { Box, Text, useApp, useInput } from "ink";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { formatUsd } from "../../handlers/shared/cost-model.js";
import { filterEntries, type JobModel } from "../history/job-model.js";
import type { TransferProgress } from "../services/transfer.js";
import type { JobRow, TuiApi, VideoRow } from "./api.js";
import { HistoryList, JobsList, JobView, KeyHelp, UploadBar, VideosList } from "./components.js";
import { type JobFeed, useJobModel, useNow, usePolledList, useTerminalSize } from "./hooks.js";
import type { ScreenSize } from "./layout.js";
import { truncate } from "./layout.js";
import {
  FORM_FIELDS,
  FORMAT_HINT,
  formEstimate,
  formReducer,
  initialForm,
  validateForm,
} from "./new-job-form.js";
import {
  type AppAction,
  type AppState,
  appReducer,
  currentScreen,
  initialState,
  type Screen,
} from "./state.js";
import { Tone } from "./theme.js";

export const KEYS = {
  jobs: "↑↓ select  enter open  n new job  v videos  r refresh  q quit",
  job: "h history  c cancel  esc back  q quit",
  jobDone: "h history  esc back  q quit",
  history: "↑↓ scroll  enter details  e errors  c chunk  s state  x clear  esc back",
  videos: "↑↓ select  d delete  r refresh  esc back  q quit",
  new: "tab/↑↓ field  type to edit  enter start  esc back",
  confirm: "y yes  n no",
} as const;

export interface AppProps {
  api: TuiApi;
  initial?: Screen;
  /** Fixed size and clock for tests; live terminal size and time otherwise. */
  size?: ScreenSize;
  now?: number;
  pollMs?: number;
  /** Called when the job on screen ends (the live view of `watch`/`render`). */
  onJobEnd?: (model: JobModel) => void;
  /** Models pushed by a command that polls already (render): that job's screen shows them. */
  feed?: JobFeed;
}

export function App({
  api,
  initial,
  size: fixedSize,
  now: fixedNow,
  pollMs = 1000,
  onJobEnd,
  feed,
}: AppProps) {
  const [state, dispatch] = useReducer(appReducer, initial, initialState);
  const size = useTerminalSize(fixedSize);
  const now = useNow(1000, fixedNow);
  const { exit } = useApp();
  const screen = currentScreen(state);
  const quit = useCallback(() => exit(), [exit]);
  const screenProps: ScreenProps = { api, state, dispatch, size, pollMs, quit };
  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate">
        <Tone state="title" bold>
          hyperframes-tui
        </Tone>{" "}
        <Text dimColor>{truncate(`${api.targetLabel} · ${screen.name}`, size.columns - 17)}</Text>
      </Text>
      {screen.name === "jobs" ? (
        <JobsScreen {...screenProps} now={now} />
      ) : screen.name === "job" || screen.name === "history" ? (
        <JobScreen
          key={screen.executionArn}
          {...screenProps}
          now={now}
          executionArn={screen.executionArn}
          showHistory={screen.name === "history"}
          {...(onJobEnd ? { onJobEnd } : {})}
          {...(feed && feed.executionArn === screen.executionArn ? { feed } : {})}
        />
      ) : screen.name === "videos" ? (
        <VideosScreen {...screenProps} />
      ) : (
        <NewJobScreen api={api} dispatch={dispatch} size={size} />
      )}
    </Box>
  );
}

interface ScreenProps {
  api: TuiApi;
  state: AppState;
  dispatch: (action: AppAction) => void;
  size: ScreenSize;
  pollMs: number;
  quit: () => void;
}

function JobsScreen({ api, state, dispatch, size, now, pollMs, quit }: ScreenProps & { now: number }) {
  const load = useCallback((signal: AbortSignal) => api.listJobs(signal), [api]);
  const { items, error, loading, refresh } = usePolledList<JobRow>(load, Math.max(pollMs, 2000));
  const selected = Math.min(state.selected.jobs, Math.max(0, items.length - 1));
  useInput((input, key) => {
    if (key.upArrow || input === "k")
      dispatch({ type: "move", list: "jobs", delta: -1, total: items.length });
    else if (key.downArrow || input === "j")
      dispatch({ type: "move", list: "jobs", delta: 1, total: items.length });
    else if (key.return && items[selected])
      dispatch({ type: "open", screen: { name: "job", executionArn: items[selected].executionArn } });
    else if (input === "n") dispatch({ type: "open", screen: { name: "new" } });
    else if (input === "v") dispatch({ type: "open", screen: { name: "videos" } });
    else if (input === "r") refresh();
    else if (input === "q") quit();
  });
  return (
    <Box flexDirection="column">
      {loading && items.length === 0 ? (
        <Text>loading jobs…</Text>
      ) : (
        <JobsList jobs={items} selected={selected} size={size} now={now} />
      )}
      {error ? <Tone state="error">{truncate(error, size.columns - 1)}</Tone> : null}
      <KeyHelp keys={KEYS.jobs} width={size.columns - 1} />
    </Box>
  );
}

function JobScreen({
  api,
  state,
  dispatch,
  size,
  now,
  pollMs,
  quit,
  executionArn,
  showHistory,
  onJobEnd,
  feed,
}: ScreenProps & {
  now: number;
  executionArn: string;
  showHistory: boolean;
  onJobEnd?: (model: JobModel) => void;
  /** The command's own poll loop (render): the screen shows its models instead of polling too. */
  feed?: JobFeed;
}) {
  const timing = useMemo(() => ({ baseMs: pollMs, maxMs: 30_000 }), [pollMs]);
  const { model, error } = useJobModel(api.fetchHistoryPage, executionArn, {
    timing,
    ...(onJobEnd ? { onEnd: onJobEnd } : {}),
    ...(feed ? { feed } : {}),
  });
  const entries = useMemo(
    () => filterEntries(model.entries, state.historyFilter),
    [model.entries, state.historyFilter],
  );
  const selected = Math.min(state.selected.history, Math.max(0, entries.length - 1));
  const running = model.status === "RUNNING";
  useInput((input, key) => {
    if (state.confirm?.kind === "cancel") {
      if (input === "y") {
        dispatch({ type: "answer" });
        dispatch({ type: "message", text: "stopping…" });
        api.cancel(executionArn).then(
          () => dispatch({ type: "message", text: "stop requested (StopExecution)" }),
          (err: Error) => dispatch({ type: "message", text: `cancel failed: ${err.name}: ${err.message}` }),
        );
      } else if (input === "n" || key.escape) dispatch({ type: "answer" });
      return;
    }
    if (input === "q") return quit();
    if (key.escape || input === "b") return dispatch({ type: "back" });
    if (!showHistory) {
      if (input === "h") dispatch({ type: "open", screen: { name: "history", executionArn } });
      else if (input === "c" && running) dispatch({ type: "ask", confirm: { kind: "cancel", executionArn } });
      return;
    }
    const current = entries[selected];
    if (key.upArrow || input === "k")
      dispatch({ type: "move", list: "history", delta: -1, total: entries.length });
    else if (key.downArrow || input === "j")
      dispatch({ type: "move", list: "history", delta: 1, total: entries.length });
    else if (key.pageUp)
      dispatch({ type: "move", list: "history", delta: -(size.rows - 6), total: entries.length });
    else if (key.pageDown || input === " ")
      dispatch({ type: "move", list: "history", delta: size.rows - 6, total: entries.length });
    else if (key.return) dispatch({ type: "toggleDetails" });
    else if (input === "e")
      dispatch({
        type: "filter",
        filter: { ...state.historyFilter, errorsOnly: !state.historyFilter.errorsOnly },
      });
    else if (input === "c") {
      const { chunk: _drop, ...rest } = state.historyFilter;
      dispatch({
        type: "filter",
        filter:
          state.historyFilter.chunk === undefined && current?.chunk !== undefined
            ? { ...rest, chunk: current.chunk }
            : rest,
      });
    } else if (input === "s") {
      const { state: _drop, ...rest } = state.historyFilter;
      dispatch({
        type: "filter",
        filter:
          state.historyFilter.state === undefined && current?.state !== undefined
            ? { ...rest, state: current.state }
            : rest,
      });
    } else if (input === "x") dispatch({ type: "filter", filter: {} });
  });
  if (showHistory) {
    return (
      <Box flexDirection="column">
        <HistoryList
          entries={entries}
          selected={selected}
          filter={state.historyFilter}
          showDetails={state.showDetails}
          size={size}
          total={model.entries.length}
        />
        <KeyHelp keys={KEYS.history} width={size.columns - 1} />
      </Box>
    );
  }
  return (
    <JobView
      model={model}
      now={now}
      size={{ columns: size.columns, rows: size.rows - 1 }}
      confirmingCancel={state.confirm?.kind === "cancel"}
      {...(state.message || error ? { message: state.message ?? error } : {})}
      keys={state.confirm ? KEYS.confirm : running ? KEYS.job : KEYS.jobDone}
    />
  );
}

function VideosScreen({ api, state, dispatch, size, pollMs, quit }: ScreenProps) {
  const load = useCallback((signal: AbortSignal) => api.listVideos(signal), [api]);
  const { items, error, refresh } = usePolledList<VideoRow>(load, Math.max(pollMs, 3000));
  const selected = Math.min(state.selected.videos, Math.max(0, items.length - 1));
  useInput((input, key) => {
    if (state.confirm?.kind === "delete") {
      if (input === "y") {
        const videoId = state.confirm.videoId;
        dispatch({ type: "answer" });
        api.deleteVideo(videoId).then(
          () => {
            dispatch({ type: "message", text: `deleted ${videoId}` });
            refresh();
          },
          (err: Error) => dispatch({ type: "message", text: `delete failed: ${err.message}` }),
        );
      } else if (input === "n" || key.escape) dispatch({ type: "answer" });
      return;
    }
    if (key.upArrow || input === "k")
      dispatch({ type: "move", list: "videos", delta: -1, total: items.length });
    else if (key.downArrow || input === "j")
      dispatch({ type: "move", list: "videos", delta: 1, total: items.length });
    else if (input === "d" && items[selected])
      dispatch({ type: "ask", confirm: { kind: "delete", videoId: items[selected].video.videoId } });
    else if (input === "r") refresh();
    else if (key.escape || input === "b") dispatch({ type: "back" });
    else if (input === "q") quit();
  });
  return (
    <Box flexDirection="column">
      <VideosList videos={items} selected={selected} size={size} />
      {state.confirm?.kind === "delete" ? (
        <Tone state="error">{`Delete the processed outputs of ${state.confirm.videoId}? y/n`}</Tone>
      ) : state.message ? (
        <Text wrap="truncate">{state.message}</Text>
      ) : null}
      {error ? <Tone state="error">{truncate(error, size.columns - 1)}</Tone> : null}
      <KeyHelp keys={state.confirm ? KEYS.confirm : KEYS.videos} width={size.columns - 1} />
    </Box>
  );
}

function NewJobScreen({
  api,
  dispatch,
  size,
}: {
  api: TuiApi;
  dispatch: (action: AppAction) => void;
  size: ScreenSize;
}) {
  const [form, formDispatch] = useReducer(formReducer, undefined, () => initialForm());
  const [upload, setUpload] = useState<TransferProgress | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  // An upload in flight is aborted when the screen goes away.
  const uploadController = useRef(new AbortController());
  useEffect(() => () => uploadController.current.abort(), []);
  const validation = validateForm(form);
  const estimate = formEstimate(form);
  const path = form.values.path;
  useEffect(() => {
    if (path.trim() === "") return;
    let live = true;
    const timer = setTimeout(() => {
      api.inspectPath(path.trim()).then(
        (info) => live && formDispatch({ type: "pathInfo", info }),
        () => undefined,
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, path]);
  useInput((input, key) => {
    if (upload) return;
    if (key.escape) return dispatch({ type: "back" });
    if (key.tab && key.shift) return formDispatch({ type: "focus", delta: -1 });
    if (key.tab || key.downArrow) return formDispatch({ type: "focus", delta: 1 });
    if (key.upArrow) return formDispatch({ type: "focus", delta: -1 });
    if (key.backspace || key.delete) return formDispatch({ type: "erase" });
    if (key.return) {
      if (!validation.config) return setStatus("fix the fields marked ! first");
      const controller = uploadController.current;
      const target = path.trim();
      if (form.pathInfo?.kind === "video") {
        setUpload({
          loaded: 0,
          total: form.pathInfo.bytes,
          percent: 0,
          bytesPerSecond: 0,
          etaSeconds: undefined,
        });
        api.uploadVideo(target, setUpload, controller.signal).then(
          (job) => dispatch({ type: "open", screen: { name: "job", executionArn: job.executionArn } }),
          (err: Error) => {
            setUpload(undefined);
            setStatus(`upload failed: ${err.message}`);
          },
        );
      } else if (form.pathInfo?.kind === "project") {
        if (!api.startRender)
          return setStatus(
            "starting renders from the TUI needs the render job logic (tui/jobs); use `hyperframes-tui render`",
          );
        setStatus("packing and uploading the project…");
        api.startRender(target, validation.config as Record<string, unknown>, controller.signal).then(
          (job) => dispatch({ type: "open", screen: { name: "job", executionArn: job.executionArn } }),
          (err: Error) => setStatus(`start failed: ${err.message}`),
        );
      }
      return;
    }
    // Printable text only: a pasted chunk may carry tabs or escapes that would break the layout.
    const text = [...input].filter((ch) => ch >= " " && ch !== "\u007f").join("");
    if (text && !key.ctrl && !key.meta) formDispatch({ type: "type", text });
  });
  const width = size.columns - 1;
  const labels: Record<(typeof FORM_FIELDS)[number], string> = {
    path: "project folder or video file",
    fps: "fps (24/30/60; blank = composition)",
    width: "width (blank = composition)",
    height: "height (blank = composition)",
    chunkSize: "frames per chunk",
    maxParallelChunks: "max parallel chunks (1-40)",
    format: `format (${FORMAT_HINT})`,
  };
  const isVideo = form.pathInfo?.kind === "video";
  return (
    <Box flexDirection="column">
      {FORM_FIELDS.filter((field) => !isVideo || field === "path").map((field, i) => {
        const error = validation.errors[field];
        const focused = FORM_FIELDS[form.focus] === field;
        return (
          <Text key={field} wrap="truncate">
            {focused ? "> " : "  "}
            {labels[field].padEnd(36)}{" "}
            {focused ? <Text inverse>{`${form.values[field]} `}</Text> : form.values[field]}
            {error ? (
              <Tone state="error">{` ! ${truncate(error, Math.max(10, width - 43 - form.values[field].length))}`}</Tone>
            ) : i === 0 && form.pathInfo ? (
              <Text dimColor>{` (${form.pathInfo.kind})`}</Text>
            ) : null}
          </Text>
        );
      })}
      {estimate ? (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="truncate">
            {truncate(
              `estimate ${formatUsd(estimate.totalUsd)}: ${estimate.lines.map((l) => `${l.item} ${formatUsd(l.usd)}`).join(", ")}`,
              width,
            )}
          </Text>
          {estimate.assumptions.slice(0, Math.max(1, size.rows - 16)).map((line) => (
            <Text key={line} dimColor wrap="truncate">
              {truncate(`  assumes ${line}`, width)}
            </Text>
          ))}
        </Box>
      ) : null}
      {upload ? <UploadBar name={path.split("/").at(-1) ?? path} progress={upload} width={width} /> : null}
      {status ? <Text wrap="truncate">{truncate(status, width)}</Text> : null}
      <KeyHelp keys={KEYS.new} width={width} />
    </Box>
  );
}
