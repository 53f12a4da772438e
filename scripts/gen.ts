// npm run gen -- --executions 10000000 --orgs 20 --workflows 200 [--database-url …] [--seed N]
// Generates a realistic dataset with COPY (see server/gen/run.ts). The database is created and
// migrated when it does not exist yet. Progress on stderr; a JSON report on the last stdout line.
import { parseArgs } from "node:util";
import pg from "pg";
import { z } from "zod";
import { applyMigrations } from "../server/db/migrate";
import { ensureEventPartitions } from "../server/db/partitions";
import { formatDuration } from "../server/gen/progress";
import { runGenerator } from "../server/gen/run";

const USAGE =
  "npm run gen -- --executions N [--orgs 20] [--workflows 200] [--days 90] [--seed 1] [--database-url URL] [--org-prefix gen] " +
  "[--chunk 50000] [--now ISO] [--keep-indexes] [--no-vacuum]";

function fail(message: string): never {
  process.stderr.write(`gen: ${message}\n`);
  process.exit(2);
}

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  executions: int(1),
  orgs: int(1).default(20),
  workflows: int(1).default(200),
  days: int(1).max(3650).default(90),
  seed: int(0).default(1),
  chunk: int(1000).default(50_000),
  "database-url": z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").optional(),
  "org-prefix": z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "lower-case letters, digits and dashes").default("gen"),
  now: z.iso.datetime({ offset: true }).optional(),
  "keep-indexes": z.boolean().default(false),
  "no-vacuum": z.boolean().default(false),
});

let raw: Record<string, unknown>;
try {
  const str = { type: "string" } as const;
  const bool = { type: "boolean" } as const;
  raw = parseArgs({
    options: {
      executions: str, orgs: str, workflows: str, days: str, seed: str, chunk: str, "database-url": str, "org-prefix": str, now: str,
      "keep-indexes": bool, "no-vacuum": bool, help: bool,
    },
    strict: true,
  }).values;
} catch (err) {
  fail(`${(err as Error).message}; usage: ${USAGE}`);
}
if (raw.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const parsed = schema.safeParse(raw);
if (!parsed.success) fail(`${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}; usage: ${USAGE}`);
const args = parsed.data;
const databaseUrl = args["database-url"] ?? process.env.DATABASE_URL;
if (!databaseUrl) fail("no database: pass --database-url postgresql://… or set DATABASE_URL");

/** Creates the database named in the URL when it is missing, then applies the migrations. */
async function prepareDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rows.length) {
      process.stderr.write(`gen: creating database ${name}\n`);
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
  await applyMigrations(url);
}

const now = args.now ? new Date(args.now) : new Date();
try {
  await prepareDatabase(databaseUrl);
  // with a timeline partitioned by month, every month of the window gets its partition before
  // the load, so no row lands in the default partition (a no-op on an unpartitioned table)
  await ensureEventPartitions(databaseUrl, now, new Date(now.getTime() - (args.days + 1) * 86_400_000));
  const report = await runGenerator({
    databaseUrl,
    executions: args.executions,
    orgs: args.orgs,
    workflows: args.workflows,
    days: args.days,
    seed: args.seed,
    chunkSize: args.chunk,
    orgPrefix: args["org-prefix"],
    now,
    deferIndexes: !args["keep-indexes"],
    vacuum: !args["no-vacuum"],
  });
  const gb = (report.databaseBytes / 1024 ** 3).toFixed(2);
  process.stderr.write(
    `gen: done in ${formatDuration(report.seconds.total)} (load ${formatDuration(report.seconds.generateAndCopy)}, indexes ${formatDuration(report.seconds.indexes)}, ` +
      `analyze ${formatDuration(report.seconds.finish)}); ${report.rowsPerSecond} rows/s while loading; database ${gb} GiB; ` +
      `largest organization ${report.largestOrg.slug} with ${report.largestOrg.executions} executions\n`,
  );
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
} catch (err) {
  fail((err as Error).message.split("\n")[0]!);
}
