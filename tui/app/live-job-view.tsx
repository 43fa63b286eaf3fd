import { render, Text } from "ink";
import { useEffect, useState } from "react";
import type { CommandContext } from "../cli/command-context.js";
import { colourEnabled } from "../cli/output-mode.js";
import type { JobModel } from "../history/job-model.js";
import { loadJob } from "../services/jobs.js";
import type { TransferProgress } from "../services/transfer.js";
import type { Connection } from "../target/connect.js";
import { App } from "./App.js";
import { connectionApi } from "./api.js";
import { UploadBar } from "./components.js";
import { createJobFeed } from "./hooks.js";
import { ColourContext } from "./theme.js";

/** Entry points that mount the Ink app on the command's terminal and resolve when it exits. */

const inkOptions = (ctx: CommandContext) => ({
  stdout: ctx.stdout as NodeJS.WriteStream,
  stdin: ctx.stdin as NodeJS.ReadStream,
  stderr: ctx.stderr as NodeJS.WriteStream,
  exitOnCtrlC: true,
  patchConsole: false,
});

/** `hyperframes-tui` with no command in a terminal: the whole interactive UI. */
export async function runInteractive(ctx: CommandContext, conn: Connection): Promise<void> {
  const api = connectionApi(conn, ctx.cwd);
  const instance = render(
    <ColourContext.Provider value={colourEnabled(ctx.mode, ctx.env)}>
      <App api={api} />
    </ColourContext.Provider>,
    inkOptions(ctx),
  );
  await instance.waitUntilExit();
}

/** The live job view of `watch`, `render` and `transcode` in a terminal, until the job ends (or q). */
export async function runLiveJobView(options: {
  ctx: CommandContext;
  conn: Connection;
  executionArn: string;
  memoryMb?: Readonly<Record<string, number>>;
}): Promise<JobModel> {
  const { ctx, conn, executionArn } = options;
  const api = connectionApi(conn, ctx.cwd);
  let final: JobModel | undefined;
  const instance = render(
    <ColourContext.Provider value={colourEnabled(ctx.mode, ctx.env)}>
      <App
        api={api}
        initial={{ name: "job", executionArn }}
        onJobEnd={(model) => {
          final = model;
          // Let the final frame (100 %, output path) draw, then hand back to the command's summary.
          setTimeout(() => instance.unmount(), 300);
        }}
      />
    </ColourContext.Provider>,
    inkOptions(ctx),
  );
  const onAbort = () => instance.unmount();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  await instance.waitUntilExit();
  ctx.signal.removeEventListener("abort", onAbort);
  return final ?? (await loadJob(conn.sfn, executionArn));
}

/**
 * The live job view fed by a command that already polls the job (render): `push` each model, `close`
 * when the command is done. q closes the view early; the command goes on with plain progress lines.
 */
export function startJobFeedView(
  ctx: CommandContext,
  conn: Connection,
  executionArn: string,
): { push(model: JobModel): void; close(): Promise<void>; open(): boolean } {
  const feed = createJobFeed(executionArn);
  const api = connectionApi(conn, ctx.cwd);
  let open = true;
  const instance = render(
    <ColourContext.Provider value={colourEnabled(ctx.mode, ctx.env)}>
      <App api={api} initial={{ name: "job", executionArn }} feed={feed} />
    </ColourContext.Provider>,
    inkOptions(ctx),
  );
  const exited = instance.waitUntilExit().finally(() => {
    open = false;
  });
  return {
    push: (model) => feed.push(model),
    open: () => open,
    async close() {
      if (open) {
        await new Promise((resolve) => setTimeout(resolve, 300)); // let the last frame draw
        instance.unmount();
      }
      await exited;
    },
  };
}

function UploadView({
  name,
  subscribe,
  columns,
}: {
  name: string;
  subscribe: (set: (p: TransferProgress) => void) => void;
  columns: number;
}) {
  const [progress, setProgress] = useState<TransferProgress>({
    loaded: 0,
    total: 0,
    percent: 0,
    bytesPerSecond: 0,
    etaSeconds: undefined,
  });
  useEffect(() => subscribe(setProgress), [subscribe]);
  return progress.total === 0 ? (
    <Text>preparing {name}…</Text>
  ) : (
    <UploadBar name={name} progress={progress} width={columns - 1} />
  );
}

/** A one-line upload bar (speed, ETA) while `run` uploads. */
export async function runUploadView<T>(
  ctx: CommandContext,
  name: string,
  run: (report: (p: TransferProgress) => void) => Promise<T>,
): Promise<T> {
  let setter: ((p: TransferProgress) => void) | undefined;
  const columns = (ctx.stdout as NodeJS.WriteStream).columns ?? 80;
  const instance = render(
    <ColourContext.Provider value={colourEnabled(ctx.mode, ctx.env)}>
      <UploadView
        name={name}
        columns={columns}
        subscribe={(set) => {
          setter = set;
        }}
      />
    </ColourContext.Provider>,
    inkOptions(ctx),
  );
  try {
    return await run((p) => setter?.(p));
  } finally {
    instance.unmount();
    await instance.waitUntilExit();
  }
}
