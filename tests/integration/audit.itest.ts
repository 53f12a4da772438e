// The audit log as read back: newest first with a keyset cursor on (at, id), every filter, other
// organizations' rows never shown; the audit.list procedure; and the CSV export route (a real
// better-auth session cookie): header row, escaping, filters, batches past 1000 rows, 401/404/400.
import { describe, expect, it } from "vitest";
import { GET as exportRoute } from "../../app/api/o/[slug]/audit/export/route";
import { listAuditLog } from "../../server/audit/query";
import { recordAudit, type Actor } from "../../server/audit/service";
import { auth } from "../../server/auth/auth";
import { createMemberSession, createSessionUser } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { createCaller } from "../../server/routers/_app";
import { secretFieldPaths } from "../../server/settings/testing";
import { createTRPCContext } from "../../server/trpc";
import { addMembership, createUser } from "../../server/users/service";
import { createTestOrg } from "../setup/helpers";

const ana: Actor = { type: "USER", userId: "user-ana", label: "ana@example.com" };
const bot: Actor = { type: "API_KEY", apiKeyId: "11111111-2222-3333-4444-555555555555", label: "API key deploy_100%" };

async function seed(orgId: string) {
  const base = Date.parse("2026-05-01T10:00:00.000Z");
  const entries = [
    { actor: ana, action: "api_key.create", resourceType: "api_key", resourceId: "k1", minutes: 0 },
    { actor: ana, action: "api_key.revoke", resourceType: "api_key", resourceId: "k1", minutes: 1 },
    { actor: bot, action: "workflow.update", resourceType: "workflow", resourceId: "billing", minutes: 2 },
    { actor: ana, action: "member.add", resourceType: "membership", resourceId: "u2", minutes: 3 },
    { actor: bot, action: "workflow.update", resourceType: "workflow", resourceId: "emails", minutes: 4 },
    { actor: ana, action: "api_key_rotation.start", resourceType: "api_key", resourceId: "k2", minutes: 5 },
  ];
  for (const e of entries) {
    await recordAudit({ orgId, actor: e.actor, action: e.action, resourceType: e.resourceType, resourceId: e.resourceId, success: true });
    await pool().query(`UPDATE audit_logs SET at = $3 WHERE "orgId" = $1 AND id = (SELECT max(id) FROM audit_logs WHERE "orgId" = $1) AND action = $2`, [
      orgId,
      e.action,
      new Date(base + e.minutes * 60_000),
    ]);
  }
}

describe("audit log query", () => {
  it("pages newest first without gaps or repeats, also when rows share a timestamp", async () => {
    const { orgId } = await createTestOrg();
    for (let i = 0; i < 7; i++) await recordAudit({ orgId, actor: ana, action: `test.a${i}`, resourceType: "test", success: true });
    // three rows at exactly the same instant: the id breaks the tie
    await pool().query(`UPDATE audit_logs SET at = '2026-01-01T00:00:00Z' WHERE "orgId" = $1 AND action IN ('test.a2', 'test.a3', 'test.a4')`, [orgId]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listAuditLog>> = await listAuditLog({ orgId }, { cursor, limit: 2 });
      seen.push(...page.items.map((i) => i.action));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(["test.a6", "test.a5", "test.a1", "test.a0", "test.a4", "test.a3", "test.a2"]);
  });

  it("filters by actor (label part or id), action (exact or dotted prefix), resource and time range", async () => {
    const { orgId } = await createTestOrg();
    await seed(orgId);
    const actions = async (filters: NonNullable<Parameters<typeof listAuditLog>[1]>["filters"]) => (await listAuditLog({ orgId }, { filters })).items.map((i) => `${i.action}:${i.resourceId}`);
    expect(await actions({})).toHaveLength(6);
    expect(await actions({ actor: "ANA@" })).toEqual(["api_key_rotation.start:k2", "member.add:u2", "api_key.revoke:k1", "api_key.create:k1"]);
    expect(await actions({ actor: bot.type === "API_KEY" ? bot.apiKeyId : "" })).toEqual(["workflow.update:emails", "workflow.update:billing"]);
    // LIKE wildcards in the filter are literal
    expect(await actions({ actor: "100%" })).toHaveLength(2);
    expect(await actions({ actor: "_" })).toHaveLength(2);
    expect(await actions({ action: "api_key" })).toEqual(["api_key.revoke:k1", "api_key.create:k1"]);
    expect(await actions({ action: "api_key.revoke" })).toEqual(["api_key.revoke:k1"]);
    expect(await actions({ resourceType: "api_key", resourceId: "k1" })).toEqual(["api_key.revoke:k1", "api_key.create:k1"]);
    expect(await actions({ from: "2026-05-01T10:01:00Z", to: "2026-05-01T10:03:00Z" })).toEqual(["member.add:u2", "workflow.update:billing", "api_key.revoke:k1"]);
    await expect(listAuditLog({ orgId }, { filters: { from: "2026-05-02T00:00:00Z", to: "2026-05-01T00:00:00Z" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(listAuditLog({ orgId }, { cursor: "garbage" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("never shows another organization's rows", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    await seed(a.orgId);
    expect((await listAuditLog({ orgId: b.orgId })).items).toEqual([]);
    expect((await listAuditLog({ orgId: b.orgId }, { filters: { actor: "ana" } })).items).toEqual([]);
  });
});

async function callerAs(session: AuthSession | null) {
  return createCaller(await createTRPCContext({ headers: new Headers(), session }));
}

describe("audit.list procedure", () => {
  it("every role reads its own organization's log; outputs carry no secrets", async () => {
    const org = await createTestOrg();
    await seed(org.orgId);
    for (const role of ["VIEWER", "OPERATOR", "ADMIN", "OWNER"] as const) {
      const page = await (await callerAs(await createMemberSession(org.orgId, role))).audit.list({ orgSlug: org.slug, filters: { action: "workflow" }, limit: 1 });
      expect(page.items.map((i) => i.resourceId)).toEqual(["emails"]);
      expect(page.nextCursor).toEqual(expect.any(String));
      expect(secretFieldPaths(page)).toEqual([]);
    }
  });

  it("from another organization: NOT_FOUND and no rows; without a session: UNAUTHORIZED", async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    await seed(org.orgId);
    const c = await callerAs(await createMemberSession(other.orgId, "OWNER"));
    await expect(c.audit.list({ orgSlug: org.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await c.audit.list({ orgSlug: other.slug })).items.filter((i) => i.actorLabel === ana.label)).toEqual([]);
    await expect((await callerAs(null)).audit.list({ orgSlug: org.slug })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("a platform admin may read it (read-only access includes audit:read)", async () => {
    const org = await createTestOrg();
    await seed(org.orgId);
    const page = await (await callerAs(await createSessionUser({ isPlatformAdmin: true }))).audit.list({ orgSlug: org.slug, filters: { resourceType: "workflow" } });
    expect(page.items).toHaveLength(2);
  });
});

/** A real better-auth session for a new member: the Cookie header a browser would send. */
async function signedInCookie(orgId: string | null): Promise<string> {
  const email = `csv-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const user = await createUser({ email, password: "csv-export-password" });
  if (orgId) await addMembership(orgId, user.id, "VIEWER");
  const res = await auth().api.signInEmail({ body: { email, password: "csv-export-password" }, asResponse: true });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

async function exportCsv(slug: string, cookie: string | null, query = ""): Promise<{ status: number; text: string; headers: Headers }> {
  const req = new Request(`http://runwatch.test/api/o/${slug}/audit/export${query ? `?${query}` : ""}`, { headers: cookie ? { cookie, "user-agent": "vitest-csv" } : {} });
  const res = await exportRoute(req, { params: Promise.resolve({ slug }) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A minimal RFC 4180 parser, so the test checks what a spreadsheet would read. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") endCell();
    else if (ch === "\r" && text[i + 1] === "\n") {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += ch;
  }
  if (cell || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

describe("audit CSV export route", () => {
  it("streams the filtered rows with a header, proper escaping and the formula guard; the export is audited", async () => {
    const org = await createTestOrg();
    const cookie = await signedInCookie(org.orgId);
    await seed(org.orgId);
    const evil: Actor = { type: "SYSTEM", label: '=HYPERLINK("http://evil.example","click")' };
    await recordAudit({ orgId: org.orgId, actor: evil, action: "test.escape", resourceType: "thing", resourceId: 'a,b "c"\nd', details: { note: "-1" }, success: false });

    const all = await exportCsv(org.slug, cookie);
    expect(all.status).toBe(200);
    expect(all.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(all.headers.get("content-disposition")).toMatch(new RegExp(`attachment; filename="audit-${org.slug}-.+\\.csv"`));
    const rows = parseCsv(all.text);
    expect(rows[0]).toEqual(["id", "at_utc", "actor_type", "actor", "actor_user_id", "actor_api_key_id", "action", "resource_type", "resource_id", "success", "ip", "user_agent", "before", "after", "details"]);
    // header, the export's own entry, the escaping row, six seeded rows
    expect(rows).toHaveLength(1 + 1 + 1 + 6);
    expect(rows[1]!.slice(6, 8)).toEqual(["audit.export", "audit_log"]);
    const escaped = rows.find((r) => r[6] === "test.escape")!;
    expect(escaped[3]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(escaped[8]).toBe('a,b "c"\nd');
    expect(escaped[9]).toBe("false");
    expect(JSON.parse(escaped[14]!)).toEqual({ note: "-1" });
    expect(rows.every((r) => r.length === 15)).toBe(true);
    expect(rows.slice(1).every((r) => !/^[=+\-@]/.test(r.join("")) && r.every((c) => !/^[=+@]/.test(c) && !/^-/.test(c)))).toBe(true);

    const filtered = parseCsv((await exportCsv(org.slug, cookie, "action=api_key&resourceId=k1")).text);
    expect(filtered.slice(1).map((r) => r[6])).toEqual(["api_key.revoke", "api_key.create"]);
    const { rows: exports } = await pool().query(`SELECT "userAgent", success, details FROM audit_logs WHERE "orgId" = $1 AND action = 'audit.export' ORDER BY id`, [org.orgId]);
    expect(exports).toHaveLength(2);
    expect(exports[1]).toMatchObject({ userAgent: "vitest-csv", success: true, details: { filters: { action: "api_key", resourceId: "k1" } } });
  });

  it("streams past one batch (1000 rows) in order, each row once", async () => {
    const org = await createTestOrg();
    const cookie = await signedInCookie(org.orgId);
    await pool().query(
      `INSERT INTO audit_logs ("orgId", at, "actorType", "actorLabel", action, "resourceType", "resourceId", success)
       SELECT $1, timestamptz '2026-01-01' + g * interval '1 second', 'SYSTEM', 'bulk', 'bulk.row', 'row', g::text, true FROM generate_series(1, 2345) g`,
      [org.orgId],
    );
    const rows = parseCsv((await exportCsv(org.slug, cookie, "action=bulk.row")).text).slice(1);
    expect(rows).toHaveLength(2345);
    expect(rows[0]![8]).toBe("2345");
    expect(rows[2344]![8]).toBe("1");
    expect(new Set(rows.map((r) => r[8])).size).toBe(2345);
  });

  it("answers 401 without a session, 404 for another organization, 400 for bad filters", async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    await seed(org.orgId);
    const outsider = await signedInCookie(other.orgId);
    expect((await exportCsv(org.slug, null)).status).toBe(401);
    const foreign = await exportCsv(org.slug, outsider);
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain("ana@example.com");
    const member = await signedInCookie(org.orgId);
    const bad = await exportCsv(org.slug, member, "from=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("from");
    expect((await pool().query(`SELECT 1 FROM audit_logs WHERE "orgId" = $1 AND action = 'audit.export'`, [org.orgId])).rowCount).toBe(0);
  });
});
