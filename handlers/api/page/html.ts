/** The page's HTML (`GET /`). Plain and small: no framework, one script, one stylesheet, hls.js. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>hyperframes videos</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header>
  <h1>Videos</h1>
  <form id="token-form" hidden>
    <label for="token-input">API token</label>
    <input id="token-input" type="password" autocomplete="off" placeholder="paste the API token">
    <button type="submit">Use token</button>
  </form>
  <button id="forget-token" type="button" hidden>Forget token</button>
</header>
<main>
  <section id="upload-section" aria-labelledby="upload-title">
    <h2 id="upload-title">Upload</h2>
    <input id="file" type="file" accept="video/*">
    <button id="upload-button" type="button">Upload</button>
    <progress id="upload-progress" max="100" value="0" hidden></progress>
    <span id="upload-text" role="status"></span>
  </section>
  <section id="player-section" aria-labelledby="player-title" hidden>
    <h2 id="player-title">Now playing</h2>
    <div id="player">
      <video id="video" controls playsinline crossorigin="anonymous"></video>
      <div id="seek-wrap">
        <input id="seek" type="range" min="0" max="1000" value="0" step="1" aria-label="Seek">
        <div id="seek-preview" hidden></div>
      </div>
      <label for="rendition">Quality</label>
      <select id="rendition"><option value="-1">Auto</option></select>
      <span id="player-info"></span>
    </div>
  </section>
  <section aria-labelledby="list-title">
    <h2 id="list-title">Library</h2>
    <p id="message" role="alert"></p>
    <table id="videos">
      <thead><tr><th>Name</th><th>Status</th><th>Duration</th><th>Uploaded</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script src="/assets/hls.min.js"></script>
<script src="/assets/app.js"></script>
</body>
</html>
`;
