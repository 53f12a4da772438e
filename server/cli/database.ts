// Which database a CLI command talks to: DATABASE_URL when set (as for the server); otherwise the
// project's embedded database: the one `npm start` is serving, or opened by the CLI itself for
// the duration of the command.
import { projectRoot } from "../db/migrate";
import { runningProjectDatabase, startProjectDatabase } from "../db/embedded";

export type CliDatabase = { url: string; close(): Promise<void> };

export async function openCliDatabase(): Promise<CliDatabase> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, close: async () => {} };

  const running = await runningProjectDatabase(projectRoot);
  if (running) {
    process.env.DATABASE_URL = running.url;
    return { url: running.url, close: async () => {} };
  }
  const embedded = await startProjectDatabase(projectRoot);
  process.env.DATABASE_URL = embedded.url;
  return { url: embedded.url, close: () => embedded.stop() };
}
