// Puppeteer must never download a browser here: see .npmrc and README "Browsers".
module.exports = { skipDownload: true };
