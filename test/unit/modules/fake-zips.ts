import { Testing } from "cdktf";
import type { Construct } from "constructs";
import { HyperframesModule, type HyperframesModuleProps } from "../../../modules/hyperframes-module.js";
import type { StackZips } from "../../../modules/stacks.js";

/** Digests standing in for built zips: the stacks only embed them. */
export const FAKE_ZIPS: StackZips = {
  zips: {
    render: { sha256: "1".repeat(64), sourceCodeHash: "cmVuZGVy" },
    media: { sha256: "2".repeat(64), sourceCodeHash: "bWVkaWE=" },
    api: { sha256: "3".repeat(64), sourceCodeHash: "YXBp" },
  },
  packagedEnvironment: {
    render: { FFMPEG_PATH: "/var/task/bin/ffmpeg", FFPROBE_PATH: "/var/task/bin/ffprobe" },
    media: { FFMPEG_PATH: "/var/task/bin/ffmpeg", FFPROBE_PATH: "/var/task/bin/ffprobe" },
    api: {},
  },
};

/** The same digests as the module construct takes them (zip paths included). */
export const FAKE_MODULE_ZIPS: HyperframesModuleProps["zips"] = {
  render: { source: "render.zip", sha256: "1".repeat(64), sourceCodeHash: "a" },
  media: { source: "media.zip", sha256: "2".repeat(64), sourceCodeHash: "b" },
  api: { source: "api.zip", sha256: "3".repeat(64), sourceCodeHash: "c" },
};

/** The module construct alone (prefix "test"), with `props` over the defaults; `around` may add to its scope. */
export const synthModule = (
  props: Partial<HyperframesModuleProps> = {},
  around?: (scope: Construct, module: HyperframesModule) => void,
): SynthJson =>
  JSON.parse(
    Testing.synthScope((scope) => {
      const module = new HyperframesModule(scope, "hf", {
        namePrefix: "test",
        zips: FAKE_MODULE_ZIPS,
        ...props,
      });
      around?.(scope, module);
    }),
  ) as SynthJson;

export interface SynthJson {
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
  variable?: Record<
    string,
    { type?: string; description?: string; default?: unknown; validation?: unknown[] }
  >;
  output?: Record<string, { description?: string; value?: unknown }>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, unknown>;
}

export const resourcesOf = (synth: SynthJson, type: string): Record<string, unknown>[] =>
  Object.values(synth.resource[type] ?? {});

export interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[] | string;
  Condition?: unknown;
}

export const statementsOf = (policy: unknown): Statement[] =>
  (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
