import pino from "pino";

// JSON logs on stdout; LOG_LEVEL=silent in tests keeps their output readable.
export const log = pino({ level: process.env.LOG_LEVEL ?? "info", base: { service: "runwatch" } });
