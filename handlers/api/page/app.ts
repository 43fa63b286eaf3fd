/**
 * The page's script (`GET /assets/app.js`), plain ES2020 for any current browser. Kept as a string so
 * the Lambda bundle carries it; it must contain no backtick and no dollar-brace sequence.
 *
 * Token: from the URL fragment (`/#token=...`, then removed from the address bar) or typed in; kept in
 * sessionStorage only. Upload: multipart, 4 parts in parallel, each part retried (re-signed) up to 4
 * times, aborted on failure. Playback: hls.js, quality menu, subtitles, sprite thumbnails on the seek bar.
 */
export const PAGE_JS = String.raw`(function () {
  "use strict";
  var TOKEN_KEY = "hyperframes.apiToken";
  var PARALLEL_PARTS = 4;
  var PART_ATTEMPTS = 4;
  var state = { token: null, hls: null, playing: null, cues: [], pollTimer: null };

  function $(id) { return document.getElementById(id); }
  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  function showMessage(text) { $("message").textContent = text || ""; }

  function readToken() {
    var match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function askForToken(reason) {
    $("token-form").hidden = false;
    $("forget-token").hidden = true;
    showMessage(reason || "Enter the API token to continue.");
  }

  async function api(method, path, body) {
    if (!state.token) { askForToken(); throw new Error("No API token"); }
    var init = { method: method, headers: { authorization: "Bearer " + state.token } };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var response = await fetch(path, init);
    var text = await response.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = null;
      askForToken("The token was refused: " + (data && data.message ? data.message : "unauthorized"));
      throw new Error("Unauthorized");
    }
    if (!response.ok && response.status !== 202) {
      var error = new Error(data && data.message ? data.error + ": " + data.message : "HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return { status: response.status, data: data, headers: response.headers };
  }

  // ── Upload ──────────────────────────────────────────────────────────────────────────────────────
  function putPart(url, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.upload.onprogress = function (event) { onProgress(event.loaded); };
      xhr.onload = function () {
        var etag = xhr.getResponseHeader("ETag");
        if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag);
        else reject(new Error("part upload failed: HTTP " + xhr.status + (etag ? "" : " (no ETag; check the bucket's CORS ExposeHeaders)")));
      };
      xhr.onerror = function () { reject(new Error("part upload failed: network error")); };
      xhr.send(blob);
    });
  }

  async function uploadFile(file) {
    var bar = $("upload-progress");
    var label = $("upload-text");
    bar.hidden = false;
    bar.value = 0;
    label.textContent = "Starting upload of " + file.name + "...";
    var created = (await api("POST", "/create_multipart_upload", {
      fileName: file.name, fileSize: file.size, contentType: file.type || undefined,
    })).data;
    var urls = {};
    created.urls.forEach(function (url, i) { urls[i + 1] = url; });
    var loaded = {};
    var etags = {};
    var next = 1;
    var started = Date.now();
    function report() {
      var sent = 0;
      Object.keys(loaded).forEach(function (k) { sent += loaded[k]; });
      bar.value = Math.min(100, (sent / file.size) * 100);
      var seconds = Math.max(0.001, (Date.now() - started) / 1000);
      label.textContent = "Uploading " + file.name + ": " + Math.floor(bar.value) + "% (" + (sent / seconds / 1048576).toFixed(1) + " MiB/s)";
    }
    async function sign(numbers) {
      var signed = (await api("POST", "/sign_parts", { key: created.key, uploadId: created.uploadId, partNumbers: numbers })).data;
      signed.parts.forEach(function (p) { urls[p.partNumber] = p.url; });
    }
    async function uploadPart(n) {
      var start = (n - 1) * created.partSize;
      var blob = file.slice(start, Math.min(file.size, start + created.partSize));
      for (var attempt = 1; ; attempt++) {
        try {
          if (!urls[n]) {
            var batch = [];
            for (var m = n; m <= created.partCount && batch.length < 100; m++) if (!urls[m] && !etags[m]) batch.push(m);
            await sign(batch);
          }
          etags[n] = await putPart(urls[n], blob, function (bytes) { loaded[n] = bytes; report(); });
          loaded[n] = blob.size;
          report();
          return;
        } catch (error) {
          if (attempt >= PART_ATTEMPTS) throw error;
          delete urls[n]; // the URL may have expired: sign it again
          loaded[n] = 0;
          await sleep(500 * attempt);
        }
      }
    }
    async function worker() {
      while (next <= created.partCount) {
        var n = next++;
        await uploadPart(n);
      }
    }
    try {
      var workers = [];
      for (var w = 0; w < Math.min(PARALLEL_PARTS, created.partCount); w++) workers.push(worker());
      await Promise.all(workers);
    } catch (error) {
      await api("POST", "/abort_multipart_upload", { key: created.key, uploadId: created.uploadId }).catch(function () {});
      throw error;
    }
    var parts = Object.keys(etags).map(function (k) { return { PartNumber: Number(k), ETag: etags[k] }; });
    label.textContent = "Finishing upload...";
    var done = (await api("POST", "/complete_multipart_upload", { key: created.key, uploadId: created.uploadId, parts: parts })).data;
    bar.value = 100;
    label.textContent = "Uploaded " + file.name + " (video " + done.video_id + "); processing...";
    label.dataset.videoId = done.video_id;
    return done.video_id;
  }

  async function waitForVideo(videoId) {
    var label = $("upload-text");
    var failures = 0;
    for (var i = 0; i < 3600; i++) {
      var result;
      try {
        result = await api("GET", "/status/" + encodeURIComponent(videoId));
      } catch (error) {
        // 404: ingest has not written the status yet; 5xx: a passing failure. Both: ask again.
        if (error.status === 404 || (error.status >= 500 && failures++ < 10)) { await sleep(2000); continue; }
        throw error;
      }
      var doc = result.data;
      if (doc.status === "processing_complete") { label.textContent = "Ready: " + doc.fileName; label.dataset.state = "complete"; return doc; }
      if (doc.status === "processing_failed") {
        label.textContent = "Processing failed: " + (doc.error ? doc.error.message : "unknown error");
        label.dataset.state = "failed";
        return doc;
      }
      label.textContent = "Processing " + doc.fileName + ": " + doc.status + (doc.step ? " (" + doc.step + (doc.percent !== undefined ? " " + Math.round(doc.percent) + "%" : "") + ")" : "");
      await refreshList().catch(function () {});
      await sleep(2000);
    }
    return null;
  }

  // ── Library ─────────────────────────────────────────────────────────────────────────────────────
  function formatDuration(seconds) {
    if (typeof seconds !== "number") return "";
    var m = Math.floor(seconds / 60);
    var s = Math.floor(seconds % 60);
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function row(video, inProgress) {
    var tr = document.createElement("tr");
    tr.dataset.videoId = video.videoId;
    tr.dataset.status = video.status;
    function cell(text, className) {
      var td = document.createElement("td");
      td.textContent = text;
      if (className) td.className = className;
      tr.appendChild(td);
      return td;
    }
    cell(video.fileName);
    var statusText = video.status + (inProgress && video.step ? " (" + video.step + ")" : "");
    cell(statusText, "status-" + video.status);
    cell(formatDuration(video.durationSeconds));
    cell(video.createdAt ? new Date(video.createdAt).toLocaleString() : "");
    var actions = cell("", "actions");
    if (!inProgress) {
      var play = document.createElement("button");
      play.type = "button";
      play.textContent = "Play";
      play.className = "play";
      play.addEventListener("click", function () { playVideo(video); });
      actions.appendChild(play);
      var del = document.createElement("button");
      del.type = "button";
      del.textContent = "Delete";
      del.className = "delete";
      del.addEventListener("click", function () { deleteVideo(video); });
      actions.appendChild(del);
    }
    return tr;
  }

  async function refreshList() {
    if (!state.token) return;
    var results = await Promise.all([api("GET", "/api/transcoding_status"), api("GET", "/api/videos?limit=200")]);
    var tbody = document.querySelector("#videos tbody");
    tbody.textContent = "";
    results[0].data.forEach(function (v) { tbody.appendChild(row(v, true)); });
    results[1].data.forEach(function (v) { tbody.appendChild(row(v, false)); });
    clearTimeout(state.pollTimer);
    if (results[0].data.length > 0) state.pollTimer = setTimeout(function () { refreshList().catch(function () {}); }, 4000);
  }

  async function deleteVideo(video) {
    if (!window.confirm("Delete " + video.fileName + " and all its files?")) return;
    try {
      await api("DELETE", "/api/video/" + encodeURIComponent(video.videoId));
      if (state.playing && state.playing.videoId === video.videoId) stopPlayer();
      showMessage("");
      await refreshList();
    } catch (error) {
      showMessage("Delete failed: " + error.message);
    }
  }

  // ── Player ──────────────────────────────────────────────────────────────────────────────────────
  function stopPlayer() {
    if (state.hls) { state.hls.destroy(); state.hls = null; }
    var video = $("video");
    video.removeAttribute("src");
    Array.prototype.slice.call(video.querySelectorAll("track")).forEach(function (t) { t.remove(); });
    $("player-section").hidden = true;
    state.playing = null;
  }

  function fillRenditions(levels) {
    var select = $("rendition");
    select.textContent = "";
    var auto = document.createElement("option");
    auto.value = "-1";
    auto.textContent = "Auto";
    select.appendChild(auto);
    levels.forEach(function (level, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = level.height + "p (" + Math.round(level.bitrate / 1000) + " kb/s)";
      select.appendChild(option);
    });
  }

  function addSubtitleTracks(subtitles) {
    var video = $("video");
    subtitles.forEach(function (s, i) {
      var track = document.createElement("track");
      track.kind = "subtitles";
      track.src = s.url;
      track.srclang = s.language;
      track.label = s.language;
      if (i === 0) track.default = true;
      video.appendChild(track);
    });
  }

  async function playVideo(video) {
    stopPlayer();
    var urls = video.urls;
    if (!urls || !urls.hls) { showMessage("No playback URL for this video."); return; }
    state.playing = video;
    $("player-section").hidden = false;
    $("player-title").textContent = "Now playing: " + video.fileName;
    var element = $("video");
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ enableWebVTT: true, renderTextTracksNatively: true });
      state.hls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, function (_event, data) {
        fillRenditions(data.levels);
        if (hls.subtitleTracks.length === 0) addSubtitleTracks(urls.subtitles || []);
      });
      hls.on(window.Hls.Events.LEVEL_SWITCHED, function (_event, data) {
        var level = hls.levels[data.level];
        $("player-info").textContent = level ? "playing " + level.height + "p" : "";
        $("player-info").dataset.height = level ? String(level.height) : "";
      });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (data.fatal) showMessage("Playback error: " + data.type + " " + data.details);
      });
      hls.loadSource(urls.hls);
      hls.attachMedia(element);
    } else if (element.canPlayType("application/vnd.apple.mpegurl")) {
      element.src = urls.hls;
      addSubtitleTracks(urls.subtitles || []);
    } else {
      showMessage("This browser cannot play HLS.");
      return;
    }
    element.play().catch(function () {});
    state.cues = [];
    if (urls.thumbnails) loadThumbnails(urls.thumbnails).catch(function () { state.cues = []; });
  }

  function parseTime(text) {
    var parts = text.trim().split(":").map(Number);
    var seconds = 0;
    parts.forEach(function (p) { seconds = seconds * 60 + p; });
    return seconds;
  }

  async function loadThumbnails(vttUrl) {
    var response = await fetch(vttUrl);
    if (!response.ok) return;
    var lines = (await response.text()).split(/\r?\n/);
    var cues = [];
    for (var i = 0; i < lines.length; i++) {
      var match = /^\s*([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
      if (!match || i + 1 >= lines.length) continue;
      var target = lines[i + 1].trim();
      var hash = target.indexOf("#xywh=");
      if (hash < 0) continue;
      var xywh = target.slice(hash + 6).split(",").map(Number);
      cues.push({
        start: parseTime(match[1]), end: parseTime(match[2]),
        url: new URL(target.slice(0, hash), vttUrl).href,
        x: xywh[0], y: xywh[1], w: xywh[2], h: xywh[3],
      });
    }
    state.cues = cues;
    $("seek-wrap").dataset.cues = String(cues.length);
  }

  function setupSeekBar() {
    var video = $("video");
    var seek = $("seek");
    var preview = $("seek-preview");
    video.addEventListener("timeupdate", function () {
      if (video.duration) seek.value = String(Math.round((video.currentTime / video.duration) * 1000));
    });
    seek.addEventListener("input", function () {
      if (video.duration) video.currentTime = (Number(seek.value) / 1000) * video.duration;
    });
    seek.addEventListener("mousemove", function (event) {
      var rect = seek.getBoundingClientRect();
      var ratio = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      var time = ratio * (video.duration || 0);
      var cue = state.cues.find(function (c) { return time >= c.start && time < c.end; });
      if (!cue) { preview.hidden = true; return; }
      preview.hidden = false;
      preview.style.width = cue.w + "px";
      preview.style.height = cue.h + "px";
      preview.style.backgroundImage = "url(" + JSON.stringify(cue.url) + ")";
      preview.style.backgroundPosition = "-" + cue.x + "px -" + cue.y + "px";
      preview.style.left = Math.max(0, event.clientX - rect.left - cue.w / 2) + "px";
    });
    seek.addEventListener("mouseleave", function () { preview.hidden = true; });
    $("rendition").addEventListener("change", function (event) {
      if (state.hls) state.hls.currentLevel = Number(event.target.value);
    });
  }

  // ── Start ───────────────────────────────────────────────────────────────────────────────────────
  function start() {
    state.token = readToken();
    setupSeekBar();
    $("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("token-input").value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      state.token = value;
      $("token-input").value = "";
      $("token-form").hidden = true;
      $("forget-token").hidden = false;
      showMessage("");
      refreshList().catch(function (error) { showMessage(error.message); });
    });
    $("forget-token").addEventListener("click", function () {
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = null;
      askForToken();
    });
    $("upload-button").addEventListener("click", function () {
      var file = $("file").files[0];
      if (!file) { showMessage("Choose a video file first."); return; }
      showMessage("");
      uploadFile(file)
        .then(waitForVideo)
        .then(function () { return refreshList(); })
        .catch(function (error) {
          $("upload-text").textContent = "Upload failed: " + error.message;
          $("upload-text").dataset.state = "failed";
        });
    });
    window.addEventListener("hashchange", function () {
      var token = readToken();
      if (!token || token === state.token) return;
      state.token = token;
      $("token-form").hidden = true;
      $("forget-token").hidden = false;
      showMessage("");
      refreshList().catch(function (error) { showMessage(error.message); });
    });
    if (state.token) {
      $("forget-token").hidden = false;
      refreshList().catch(function (error) { showMessage(error.message); });
    } else {
      askForToken();
    }
  }

  start();
})();
`;
