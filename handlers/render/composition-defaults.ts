/**
 * fps, width and height when the render config leaves them out: the composition's own size from the
 * root element's `data-width` / `data-height` (the element carrying `data-composition-id`), and 30 fps
 * (HyperFrames compositions are time-based and do not declare a frame rate).
 */
export const DEFAULT_FPS = 30 as const;
export const FALLBACK_SIZE = { width: 1920, height: 1080 } as const;

export interface CompositionSize {
  readonly width: number;
  readonly height: number;
}

/** The first element with `data-composition-id`: its data-width/data-height, when both are whole and positive. */
export function compositionSizeFromHtml(html: string): CompositionSize | undefined {
  const tag = /<[a-zA-Z][^>]*\bdata-composition-id\s*=[^>]*>/.exec(html)?.[0];
  if (!tag) return undefined;
  const width = numericAttribute(tag, "data-width");
  const height = numericAttribute(tag, "data-height");
  if (width === undefined || height === undefined) return undefined;
  return { width, height };
}

function numericAttribute(tag: string, name: string): number | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`).exec(tag);
  const raw = match?.[1] ?? match?.[2] ?? match?.[3];
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
