// The lint rule that keeps SQL in queries.ts: it must catch raw SQL in a service, and leave tRPC's
// `.query(handler)`, transaction control and the queries modules alone.
import { RuleTester } from "eslint";
import { describe, it } from "vitest";
import rule from "../../eslint-rules/sql-in-queries.mjs";

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: "module" } }).run("sql-in-queries", rule, {
  valid: [
    { filename: "server/routers/alerts.ts", code: "t.procedure.query(async ({ ctx }) => list(ctx));" },
    { filename: "server/routers/alerts.ts", code: "t.procedure.query(function ({ ctx }) { return 1; });" },
    { filename: "server/db/transaction.ts", code: 'await client.query("BEGIN"); await client.query(`ROLLBACK`);' },
    { filename: "server/ingest/service.ts", code: 'await client.query("SAVEPOINT s1"); await client.query("RELEASE SAVEPOINT s1");' },
    { filename: "server/members/queries.ts", code: "await db.query(`SELECT 1`, []);" },
    { filename: "server/db/migrate.ts", code: "await pool.query(script);" },
  ],
  invalid: [
    { filename: "server/members/service.ts", code: "await pool().query(`SELECT * FROM memberships WHERE \"orgId\" = $1`, [orgId]);", errors: [{ messageId: "raw" }] },
    { filename: "server/members/service.ts", code: "await client.query(SQL, [orgId]);", errors: [{ messageId: "raw" }] },
    { filename: "server/members/service.ts", code: 'await client.query({ text: "DELETE FROM x", values: [] });', errors: [{ messageId: "raw" }] },
    { filename: "app/api/x/route.ts", code: "await prisma.$queryRawUnsafe(\"SELECT 1\");", errors: [{ messageId: "raw" }] },
    { filename: "server/health.ts", code: "await prisma.$queryRaw`SELECT 1`;", errors: [{ messageId: "raw" }] },
    { filename: "server/members/queries-helper.ts", code: "await db.query(`SELECT 1`);", errors: [{ messageId: "raw" }] },
  ],
});
