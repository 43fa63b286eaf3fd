import {
  DISTRIBUTED_FORMATS,
  RENDER_LIMITS,
  type RenderConfigInput,
  RenderConfigSchema,
} from "../../handlers/contracts/render-config.js";
import {
  type CostBreakdown,
  estimateMediaCost,
  estimateRenderCost,
} from "../../handlers/shared/cost-model.js";

/** The New job form: fields as typed text, validated as you type with the contract's schema. */

export const FORM_FIELDS = [
  "path",
  "fps",
  "width",
  "height",
  "chunkSize",
  "maxParallelChunks",
  "format",
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

export type PathInfo =
  | { readonly kind: "missing" }
  | {
      readonly kind: "project";
      readonly durationSeconds?: number;
      readonly width?: number;
      readonly height?: number;
    }
  | { readonly kind: "video"; readonly bytes: number };

export interface FormState {
  readonly values: Readonly<Record<FormField, string>>;
  readonly focus: number;
  readonly pathInfo?: PathInfo;
}

export type FormAction =
  | { readonly type: "type"; readonly text: string }
  | { readonly type: "erase" }
  | { readonly type: "focus"; readonly delta: number }
  | { readonly type: "pathInfo"; readonly info: PathInfo };

export const initialForm = (path = ""): FormState => ({
  values: {
    path,
    fps: "",
    width: "",
    height: "",
    chunkSize: String(RENDER_LIMITS.defaultChunkSize),
    maxParallelChunks: String(RENDER_LIMITS.defaultMaxParallelChunks),
    format: "mp4",
  },
  focus: 0,
});

export function formReducer(state: FormState, action: FormAction): FormState {
  const field = FORM_FIELDS[state.focus] ?? "path";
  switch (action.type) {
    case "type":
      return { ...state, values: { ...state.values, [field]: state.values[field] + action.text } };
    case "erase":
      return { ...state, values: { ...state.values, [field]: state.values[field].slice(0, -1) } };
    case "focus":
      return { ...state, focus: (state.focus + action.delta + FORM_FIELDS.length) % FORM_FIELDS.length };
    case "pathInfo":
      return { ...state, pathInfo: action.info };
  }
}

export interface FormValidation {
  readonly config?: RenderConfigInput;
  readonly errors: Partial<Record<FormField, string>>;
}

const numberField = (text: string): number | undefined | string => {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
};

/** Validates with RenderConfigSchema: the same messages the API and CLI give. */
export function validateForm(state: FormState): FormValidation {
  const errors: Partial<Record<FormField, string>> = {};
  if (state.values.path.trim() === "") errors.path = "give a project folder or a video file";
  else if (state.pathInfo?.kind === "missing") errors.path = "no such file or folder";
  const raw: Record<string, unknown> = { format: state.values.format.trim() || undefined };
  for (const key of ["fps", "width", "height", "chunkSize", "maxParallelChunks"] as const) {
    const value = numberField(state.values[key]);
    if (value !== undefined) raw[key] = value;
  }
  if (raw.format === undefined) delete raw.format;
  const parsed = RenderConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "width") as FormField;
      if (!errors[key]) errors[key] = issue.message;
    }
  }
  return parsed.success && Object.keys(errors).length === 0
    ? { config: raw as RenderConfigInput, errors }
    : { errors };
}

/** The estimate before starting, from the config and what the project or file says about itself. */
export function formEstimate(state: FormState): CostBreakdown | undefined {
  const info = state.pathInfo;
  if (info?.kind === "video") {
    // Without probing, assume ~1 MB per second of source (a typical 8 Mbit/s upload).
    return estimateMediaCost({ durationSeconds: Math.max(1, info.bytes / 1_000_000), transcribe: true });
  }
  if (info?.kind !== "project") return undefined;
  const fps = Number(state.values.fps) || 30;
  const width = Number(state.values.width) || info.width || 1920;
  const height = Number(state.values.height) || info.height || 1080;
  const chunkSize = Number(state.values.chunkSize) || RENDER_LIMITS.defaultChunkSize;
  const seconds = info.durationSeconds ?? 10;
  return estimateRenderCost({ totalFrames: Math.ceil(seconds * fps), width, height, chunkSize });
}

/** Reads `data-duration`, `data-width`, `data-height` from a composition's root element. */
export function compositionFacts(html: string): {
  durationSeconds?: number;
  width?: number;
  height?: number;
} {
  const root = /<[^>]*data-composition-id[^>]*>/.exec(html)?.[0] ?? html;
  const attr = (name: string): number | undefined => {
    const match = new RegExp(`data-${name}="([0-9.]+)"`).exec(root);
    return match?.[1] ? Number(match[1]) : undefined;
  };
  const durationSeconds = attr("duration");
  const width = attr("width");
  const height = attr("height");
  return {
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
  };
}

export const FORMAT_HINT = DISTRIBUTED_FORMATS.join("/");
