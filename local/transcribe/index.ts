export { parsePocketsphinxTimings, recognize, toTranscribeResult } from "./pocketsphinx.js";
export { type LocalTranscribe, type LocalTranscribeOptions, startLocalTranscribe } from "./server.js";
