// The contracts every part agrees on. Change one only with the reason written next to it.
export * from "./api-settings.js";
export * from "./bucket-layout.js";
export * from "./errors.js";
export * from "./function-sizes.js";
export * from "./handler-environment.js";
export * from "./ids.js";
export * from "./job-status.js";
export * from "./media-events.js";
export * from "./media-settings.js";
export * from "./render-config.js";
export * from "./render-events.js";
export * from "./s3-client-options.js";
export * from "./stack-outputs.js";
export * from "./video-status.js";
export * from "./zod-errors.js";
