import pino from "pino";
import { configSchema } from "./config";

// JSON logs on stdout; LOG_LEVEL=silent in tests keeps their output readable.
// read before the configuration is validated (which may need the log); a bad LOG_LEVEL is
// reported by config() and logs at info meanwhile
const level = configSchema.shape.LOG_LEVEL.safeParse(process.env.LOG_LEVEL || undefined);
export const log = pino({ level: level.success ? level.data : "info", base: { service: "runwatch" } });
