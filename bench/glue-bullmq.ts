// The whole Runwatch integration of a BullMQ application, as a user writes it with
// @runwatch/node (counted by npm run bench:sdk). Workers stay as they are.
import { Runwatch } from "@runwatch/node";
import { watchQueue } from "@runwatch/node/bullmq";

const runwatch = new Runwatch(); // RUNWATCH_URL, RUNWATCH_API_KEY
await watchQueue({ queue: "billing", connection: { host: "127.0.0.1", port: 6379 }, runwatch });
