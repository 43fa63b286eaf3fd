/**
 * Pure post-processing of the playlists and manifest ffmpeg writes: VOD playlist type and independent
 * segments for HLS, the renditions listed in the master, and subtitles attached to both protocols.
 */

const SUBTITLES_GROUP = "subs";

/** Adds `#EXT-X-PLAYLIST-TYPE:VOD` (ffmpeg omits it) and makes sure the playlist ends. */
export function finalizeMediaPlaylist(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").trimEnd().split("\n");
  if (lines[0] !== "#EXTM3U") throw new Error("not an HLS playlist (no #EXTM3U)");
  const filtered = lines.filter((line) => !line.startsWith("#EXT-X-PLAYLIST-TYPE"));
  const at = filtered.findIndex((line) => line.startsWith("#EXT-X-VERSION"));
  filtered.splice(at >= 0 ? at + 1 : 1, 0, "#EXT-X-PLAYLIST-TYPE:VOD");
  if (!filtered.includes("#EXT-X-ENDLIST")) filtered.push("#EXT-X-ENDLIST");
  return `${filtered.join("\n")}\n`;
}

export interface HlsVariant {
  bandwidth: number;
  width: number;
  height: number;
  codecs: string;
  uri: string;
}

/** Parses `#EXT-X-STREAM-INF` entries (attributes and the URI line after each). */
export function parseHlsVariants(master: string): HlsVariant[] {
  const lines = master.replace(/\r\n/g, "\n").split("\n");
  const variants: HlsVariant[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
    const attributes = parseAttributes(line.slice("#EXT-X-STREAM-INF:".length));
    const uri = lines.slice(i + 1).find((next) => next.trim() !== "" && !next.startsWith("#")) ?? "";
    const [width, height] = (attributes.RESOLUTION ?? "0x0").split("x").map(Number);
    variants.push({
      bandwidth: Number(attributes.BANDWIDTH ?? 0),
      width: width ?? 0,
      height: height ?? 0,
      codecs: attributes.CODECS ?? "",
      uri: uri.trim(),
    });
  });
  return variants;
}

/**
 * The master playlist as served: `#EXT-X-INDEPENDENT-SEGMENTS` (every segment starts with a keyframe),
 * variants sorted by bandwidth (highest first) and checked to carry BANDWIDTH, RESOLUTION and CODECS.
 */
export function finalizeHlsMaster(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").trimEnd().split("\n");
  if (lines[0] !== "#EXTM3U") throw new Error("not an HLS playlist (no #EXTM3U)");
  const header: string[] = [];
  const media: string[] = [];
  const variants: Array<{ inf: string; uri: string; bandwidth: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("#EXT-X-STREAM-INF:")) {
      const uri = (lines[i + 1] ?? "").trim();
      const attributes = parseAttributes(line.slice("#EXT-X-STREAM-INF:".length));
      for (const required of ["BANDWIDTH", "RESOLUTION", "CODECS"]) {
        if (!attributes[required]) throw new Error(`master playlist variant ${uri} lacks ${required}`);
      }
      variants.push({ inf: line, uri, bandwidth: Number(attributes.BANDWIDTH) });
      i++;
    } else if (line.startsWith("#EXT-X-MEDIA:")) {
      media.push(line);
    } else if (line.trim() !== "" && line !== "#EXT-X-INDEPENDENT-SEGMENTS") {
      header.push(line);
    }
  }
  if (variants.length === 0) throw new Error("master playlist has no variants");
  variants.sort((a, b) => b.bandwidth - a.bandwidth);
  const out = [
    ...header,
    "#EXT-X-INDEPENDENT-SEGMENTS",
    ...media,
    ...variants.flatMap((v) => [v.inf, v.uri]),
  ];
  return `${out.join("\n")}\n`;
}

export interface SubtitleTrack {
  /** BCP 47 code as given to the transcriber, e.g. `en-US`. */
  language: string;
  /** Human name shown by players. */
  name: string;
  /** HLS: URI of the subtitles media playlist, relative to the master. */
  playlistUri: string;
  /** DASH: URL of the WebVTT file, relative to the manifest. */
  vttUri: string;
}

/** Adds (or replaces) a WebVTT subtitles rendition in the HLS master and points every variant at it. */
export function addSubtitlesToHlsMaster(master: string, track: SubtitleTrack): string {
  const lines = master.replace(/\r\n/g, "\n").trimEnd().split("\n");
  const mediaLine = `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLES_GROUP}",NAME="${track.name}",LANGUAGE="${track.language}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="${track.playlistUri}"`;
  const kept = lines.filter(
    (line) =>
      !(line.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES") && line.includes(`LANGUAGE="${track.language}"`)),
  );
  const firstVariant = kept.findIndex((line) => line.startsWith("#EXT-X-STREAM-INF:"));
  if (firstVariant < 0) throw new Error("master playlist has no variants");
  kept.splice(firstVariant, 0, mediaLine);
  const out = kept.map((line) => {
    if (!line.startsWith("#EXT-X-STREAM-INF:") || /SUBTITLES="/.test(line)) return line;
    return `${line},SUBTITLES="${SUBTITLES_GROUP}"`;
  });
  return `${out.join("\n")}\n`;
}

/** A one-segment VOD media playlist around a WebVTT file. */
export function subtitlesMediaPlaylist(durationSeconds: number, vttUri: string): string {
  const duration = Math.max(0.001, durationSeconds);
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    `#EXTINF:${duration.toFixed(3)},`,
    vttUri,
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}

/** Adds (or replaces) a sidecar WebVTT AdaptationSet in the DASH manifest's (first) Period. */
export function addSubtitlesToMpd(mpd: string, track: SubtitleTrack): string {
  const id = `subtitles-${track.language}`;
  const without = mpd.replace(
    new RegExp(`\\s*<AdaptationSet[^>]*id="${escapeRegExp(id)}"[\\s\\S]*?</AdaptationSet>`),
    "",
  );
  const lang = track.language.split("-")[0] ?? track.language;
  const set = [
    `\t\t<AdaptationSet id="${id}" contentType="text" mimeType="text/vtt" lang="${lang}">`,
    `\t\t\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>`,
    `\t\t\t<Representation id="${id}" bandwidth="256">`,
    `\t\t\t\t<BaseURL>${escapeXml(track.vttUri)}</BaseURL>`,
    "\t\t\t</Representation>",
    "\t\t</AdaptationSet>",
  ].join("\n");
  const at = without.indexOf("</Period>");
  if (at < 0) throw new Error("DASH manifest has no Period");
  return `${without.slice(0, at).trimEnd()}\n${set}\n\t${without.slice(at)}`;
}

export function parseAttributes(list: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (let match = pattern.exec(list); match !== null; match = pattern.exec(list)) {
    const [, key, raw] = match;
    if (key && raw !== undefined) attributes[key] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return attributes;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
