// Minimal types for the manifest parsers the media tests use (the packages ship none).
declare module "m3u8-parser" {
  interface M3u8Attributes {
    BANDWIDTH?: number;
    CODECS?: string;
    RESOLUTION?: { width: number; height: number };
    SUBTITLES?: string;
    AUDIO?: string;
  }
  interface M3u8Manifest {
    playlists?: Array<{ uri: string; attributes: M3u8Attributes }>;
    mediaGroups?: Record<string, Record<string, Record<string, { uri?: string; language?: string }>>>;
    segments: Array<{ uri: string; duration: number }>;
    playlistType?: string;
    endList?: boolean;
    targetDuration?: number;
  }
  export class Parser {
    push(chunk: string): void;
    end(): void;
    manifest: M3u8Manifest;
  }
}

declare module "mpd-parser" {
  interface MpdPlaylist {
    attributes: { RESOLUTION?: { width: number; height: number }; BANDWIDTH?: number; CODECS?: string };
    segments: Array<{ uri: string; duration: number }>;
  }
  interface MpdManifest {
    playlists: MpdPlaylist[];
    mediaGroups: Record<
      string,
      Record<string, Record<string, { language?: string; playlists?: MpdPlaylist[] }>>
    >;
  }
  export function parse(manifest: string, options?: { manifestUri?: string }): MpdManifest;
}
