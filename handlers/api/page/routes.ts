import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { AppError } from "../../contracts/errors.js";
import { type FunctionUrlResult, text } from "../http.js";
import { PAGE_JS } from "./app.js";
import { PAGE_HTML } from "./html.js";
import { PAGE_CSS } from "./style.js";

/**
 * hls.js for the page, served by the API itself (no CDN: works offline and under a strict CSP). Looked
 * up next to the Lambda bundle first (`vendor/hls.min.js`, copied in by packaging), then in node_modules.
 */
function loadHlsJs(): string | undefined {
  const candidates: (() => string)[] = [
    () => fileURLToPath(new URL("./vendor/hls.min.js", import.meta.url)),
    () => createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js"),
  ];
  for (const candidate of candidates) {
    try {
      return readFileSync(candidate(), "utf8");
    } catch {
      // next candidate
    }
  }
  return undefined;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

export function makePageRoutes() {
  let hlsJs: string | undefined | null = null;

  const assets: Record<string, () => { body: string; type: string } | undefined> = {
    "app.js": () => ({ body: PAGE_JS, type: "text/javascript; charset=utf-8" }),
    "style.css": () => ({ body: PAGE_CSS, type: "text/css; charset=utf-8" }),
    "hls.min.js": () => {
      if (hlsJs === null) hlsJs = loadHlsJs();
      return hlsJs === undefined ? undefined : { body: hlsJs, type: "text/javascript; charset=utf-8" };
    },
  };

  async function index(): Promise<FunctionUrlResult> {
    return text(200, PAGE_HTML, "text/html; charset=utf-8", {
      ...SECURITY_HEADERS,
      "cache-control": "no-cache",
      "content-security-policy":
        "default-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' blob: https: http:; connect-src 'self' https: http:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; frame-ancestors 'none'",
    });
  }

  async function asset(
    _request: unknown,
    params: Readonly<Record<string, string>>,
  ): Promise<FunctionUrlResult> {
    const found = Object.hasOwn(assets, params.name ?? "") ? assets[params.name as string]?.() : undefined;
    if (!found) throw new AppError("NOT_FOUND", `No asset ${JSON.stringify(params.name)}.`);
    return text(200, found.body, found.type, { ...SECURITY_HEADERS, "cache-control": "public, max-age=300" });
  }

  return { index, asset };
}
