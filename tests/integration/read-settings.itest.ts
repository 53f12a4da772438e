// withReadSettings (server/db/transaction.ts): a read in a transaction of its own whose SET LOCALs
// end with it, as a search's capped count uses to keep its bitmaps exact (server/executions/queries.ts).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withReadSettings } from "../../server/db/transaction";

// one connection, so the statement after withReadSettings runs on the connection it used
let single: pg.Pool;
beforeAll(() => {
  single = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
});
afterAll(() => single.end());

const setting = async (db: Pick<pg.PoolClient, "query">, name: string) => (await db.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
const raiseWorkMem = (db: Pick<pg.PoolClient, "query">) => db.query(`SET LOCAL work_mem = '23MB'`);

describe("withReadSettings", () => {
  it("runs fn read-only with the settings, and hands the connection back as it was", async () => {
    const before = await setting(single, "work_mem");
    expect(before).not.toBe("23MB");
    const inside = await withReadSettings(single, raiseWorkMem, async (c) => ({ workMem: await setting(c, "work_mem"), readOnly: await setting(c, "transaction_read_only") }));
    expect(inside).toEqual({ workMem: "23MB", readOnly: "on" });
    expect(await setting(single, "work_mem")).toBe(before);
    expect(await setting(single, "transaction_read_only")).toBe("off");
  });

  it("rolls back and releases the connection when fn fails", async () => {
    await expect(withReadSettings(single, raiseWorkMem, (c) => c.query(`SELECT 1/0`))).rejects.toThrow(/division by zero/);
    // the one connection is free again, outside any transaction, with its own settings
    expect(await setting(single, "transaction_read_only")).toBe("off");
    expect(await setting(single, "work_mem")).not.toBe("23MB");
  });

  it("runs fn on a caller's client as it is: no transaction of its own, no settings left behind", async () => {
    const client = await single.connect();
    try {
      await client.query("BEGIN");
      let given: unknown;
      await withReadSettings(client, raiseWorkMem, async (c) => {
        given = c;
        expect(await setting(c, "work_mem")).not.toBe("23MB");
      });
      expect(given).toBe(client);
      // still the caller's writable transaction
      expect(await setting(client, "transaction_read_only")).toBe("off");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
  });
});
