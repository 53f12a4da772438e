// @runwatch/node: report workflow executions to Runwatch (CONTRACT §6).
export { Runwatch, errorOf, jsonField } from "./client.js";
export type { LogLevel, Logger, Run, RunwatchOptions, RunwatchStats, SendEvent, TrackOptions } from "./client.js";
export { deriveEventId, canonicalJson } from "./event-id.js";
export type * from "./api-types.js";
