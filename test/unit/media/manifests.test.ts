import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  addSubtitlesToHlsMaster,
  addSubtitlesToMpd,
  finalizeHlsMaster,
  finalizeMediaPlaylist,
  parseHlsVariants,
  subtitlesMediaPlaylist,
} from "../../../handlers/media/manifests.js";

// Captured from the static ffmpeg (2018 build) running transcodeArgs on fixtures/videos/speech-640x360.mp4.
const fixture = (name: string) => readFile(new URL(`./fixtures/ffmpeg-${name}`, import.meta.url), "utf8");
const track = {
  language: "en-US",
  name: "English",
  playlistUri: "subtitles/en-US.m3u8",
  vttUri: "subtitles/en-US.vtt",
};

describe("HLS post-processing", () => {
  it("marks media playlists as VOD right after the version", async () => {
    const out = finalizeMediaPlaylist(await fixture("media_0.m3u8"));
    expect(out.split("\n").slice(0, 4)).toEqual([
      "#EXTM3U",
      "#EXT-X-VERSION:6",
      "#EXT-X-PLAYLIST-TYPE:VOD",
      "#EXT-X-TARGETDURATION:4",
    ]);
    expect(out.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
    expect(finalizeMediaPlaylist(out)).toBe(out);
  });

  it("keeps BANDWIDTH, RESOLUTION and CODECS, adds independent segments, sorts variants", async () => {
    const master = finalizeHlsMaster(await fixture("master.m3u8"));
    expect(master).toContain("#EXT-X-INDEPENDENT-SEGMENTS\n");
    expect(parseHlsVariants(master)).toEqual([
      { bandwidth: 669120, width: 640, height: 360, codecs: "avc1.64001e,mp4a.40.2", uri: "media_0.m3u8" },
      { bandwidth: 415870, width: 426, height: 240, codecs: "avc1.640015,mp4a.40.2", uri: "media_1.m3u8" },
    ]);
    expect(finalizeHlsMaster(master)).toBe(master);
    expect(() => finalizeHlsMaster("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nm.m3u8\n")).toThrow(
      /lacks RESOLUTION/,
    );
  });

  it("attaches subtitles to every variant, once", async () => {
    const once = addSubtitlesToHlsMaster(finalizeHlsMaster(await fixture("master.m3u8")), track);
    const twice = addSubtitlesToHlsMaster(once, track);
    expect(twice).toBe(once);
    expect(once.match(/TYPE=SUBTITLES/g)).toHaveLength(1);
    expect(once).toContain('LANGUAGE="en-US"');
    expect(
      once
        .split("\n")
        .filter((l) => l.startsWith("#EXT-X-STREAM-INF"))
        .every((l) => l.endsWith(',SUBTITLES="subs"')),
    ).toBe(true);
    expect(subtitlesMediaPlaylist(9.064, "en-US.vtt")).toContain(
      "#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:9.064,\nen-US.vtt\n#EXT-X-ENDLIST",
    );
  });
});

describe("DASH post-processing", () => {
  it("adds one sidecar WebVTT AdaptationSet inside the Period", async () => {
    const once = addSubtitlesToMpd(await fixture("manifest.mpd"), track);
    expect(addSubtitlesToMpd(once, track)).toBe(once);
    expect(once.match(/mimeType="text\/vtt"/g)).toHaveLength(1);
    expect(once).toMatch(
      /<AdaptationSet id="subtitles-en-US" contentType="text" mimeType="text\/vtt" lang="en">[\s\S]*<BaseURL>subtitles\/en-US\.vtt<\/BaseURL>[\s\S]*<\/AdaptationSet>\s*<\/Period>/,
    );
  });
});
