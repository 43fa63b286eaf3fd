/**
 * The test page served from the local S3 server (same origin as the media, so no CORS): hls.js and
 * dashjs, each forced onto the rendition of a given height, report decoded frames, videoHeight and subtitle tracks.
 */
export const PLAYER_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>media players</title>
<script src="hls.min.js"></script><script src="dash.all.min.js"></script></head>
<body><script>
function waitFor(check, ms, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      let value;
      try { value = check(); } catch (e) { reject(e); return; }
      if (value) { resolve(value); return; }
      if (Date.now() - started > ms) { reject(new Error("timed out waiting for " + what())); return; }
      setTimeout(tick, 100);
    };
    tick();
  });
}
function frames(video) { return video.getVideoPlaybackQuality().totalVideoFrames; }
function newVideo() {
  const video = document.createElement("video");
  video.muted = true; video.playsInline = true; video.width = 640;
  document.body.appendChild(video);
  return video;
}
window.playHls = async function (url, height) {
  const video = newVideo();
  const hls = new Hls({ capLevelToPlayerSize: false, enableWorker: false });
  const errors = [];
  hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) errors.push(data.details); });
  hls.loadSource(url);
  hls.attachMedia(video);
  await waitFor(() => hls.levels.length > 0, 15000, () => "levels " + errors.join(","));
  const index = hls.levels.findIndex((l) => l.height === height);
  if (index < 0) throw new Error("no HLS level of height " + height);
  hls.currentLevel = index;
  // Not awaited: play() stays pending while the media stalls; the wait below fails with the reason instead.
  video.play().catch((e) => errors.push("play: " + e.message));
  await waitFor(() => video.videoHeight === height && frames(video) > 15, 60000,
    () => "HLS level " + index + " height " + video.videoHeight + "/" + height + " frames " + frames(video) + " " + errors.join(","));
  await waitFor(() => hls.subtitleTracks.length > 0, 5000, () => "subtitle tracks");
  const result = { levels: hls.levels.map((l) => l.height).sort((a, b) => b - a), videoHeight: video.videoHeight, frames: frames(video),
    subtitleTracks: hls.subtitleTracks.map((t) => t.lang), errors };
  hls.destroy(); video.remove();
  return result;
};
window.playDash = async function (url, height) {
  const video = newVideo();
  const player = dashjs.MediaPlayer().create();
  player.updateSettings({ debug: { logLevel: 0 }, streaming: { abr: { autoSwitchBitrate: { video: false } } } });
  const errors = [];
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => errors.push(JSON.stringify(e.error || e).slice(0, 200)));
  player.initialize(video, url, false);
  await waitFor(() => player.getRepresentationsByType("video").length > 0, 15000, () => "representations " + errors.join(","));
  const reps = player.getRepresentationsByType("video").slice().sort((a, b) => b.height - a.height);
  const target = reps.find((r) => r.height === height);
  if (!target) throw new Error("no DASH representation of height " + height);
  player.setRepresentationForTypeById("video", target.id, true);
  player.play();
  await waitFor(() => video.videoHeight === target.height && frames(video) > 15, 60000,
    () => "DASH height " + video.videoHeight + "/" + target.height + " frames " + frames(video) + " " + errors.join(","));
  const result = { levels: reps.map((r) => r.height), videoHeight: video.videoHeight, frames: frames(video),
    subtitleTracks: player.getTracksFor("text").map((t) => t.lang), errors };
  player.destroy(); video.remove();
  return result;
};
window.ready = true;
</script></body></html>`;
