// Access to EVERY tRPC procedure, walked from appRouter._def.procedures:
//   - org-scoped: a member of another organization gets NOT_FOUND, no data and no change; each
//     role without the permission gets FORBIDDEN and no change (a denied mutation leaves exactly
//     one audit entry with success false); the least role with it succeeds, and a mutation
//     writes exactly one audit entry, by the caller, with the request's IP and user agent, in the
//     transaction of its change (audited(), server/rbac/audited.ts: the ladder refuses a
//     mutation that committed without it, so this success case fails for one that skips it).
//   - the rest: a check of their own (below).
// A procedure without an entry in ACCESS_CASES fails this suite: add one when you add a procedure.
import { describe, expect, it } from "vitest";
import { createMemberSession, createSessionUser } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { DEFAULT_LIST_PREFS } from "../../server/executions/list-prefs";
import { pool } from "../../server/db/client";
import { systemContext } from "../../server/context";
import { settleBulkJobs, startBulkJob } from "../../server/operations/bulk";
import { ingestEvents } from "../../server/ingest/service";
import { createSavedView } from "../../server/views/service";
import { PLATFORM_ADMIN_VISIT_ACTION } from "../../server/rbac/access";
import { READ_ONLY, ROLES, can, type Permission, type Role } from "../../server/rbac/permissions";
import { appRouter, createCaller } from "../../server/routers/_app";
import { createTRPCContext, orgInput, type ProcedureMeta } from "../../server/trpc";
import { PEER_HEADER, peerHeaderValue } from "../../server/http/client-address";
import { createTestApiKey, createTestOrg } from "../setup/helpers";

type TestOrg = { orgId: string; slug: string };
type Input = Record<string, unknown>;

type OrgCase = {
  scope: "org";
  /** creates what a successful call needs in `org`, and returns the input (orgSlug is added) */
  input: (org: TestOrg) => Promise<Input>;
  /** what a mutation could change; must be equal before and after a refused call */
  snapshot?: (org: TestOrg, input: Input) => Promise<unknown>;
};

/** Not org-scoped: the entry tests what scopes it instead (the caller's own data, a platform role…). */
type OwnCase = { scope: "own"; why: string; test: () => Promise<void> };

type AccessCase = OrgCase | OwnCase;

/* ---------------------------------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------------------------------- */

async function activeExecution(org: TestOrg): Promise<string> {
  const executionId = `exec-${Math.random().toString(36).slice(2, 10)}`;
  const results = await ingestEvents({ orgId: org.orgId }, { events: [
    { eventId: `${executionId}-1`, executionId, workflow: "access.test", status: "PENDING" },
    { eventId: `${executionId}-2`, executionId, status: "RUNNING" },
  ] });
  expect(results.map((r) => r.outcome)).toEqual(["applied", "applied"]);
  return executionId;
}

async function executionState(org: TestOrg, input: Input) {
  const { rows } = await pool().query(
    `SELECT e.status, e.error, e."completedAt", (SELECT count(*)::int FROM execution_events v WHERE v."orgId" = e."orgId" AND v."executionId" = e."executionId") AS events
       FROM executions e WHERE e."orgId" = $1 AND e."executionId" = $2`,
    [org.orgId, input.executionId],
  );
  return rows;
}

async function memberships(org: TestOrg) {
  const { rows } = await pool().query(`SELECT "userId", role::text FROM memberships WHERE "orgId" = $1 ORDER BY "userId"`, [org.orgId]);
  return rows;
}

async function orgRow(org: TestOrg) {
  const { rows } = await pool().query(`SELECT slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds" FROM organizations WHERE id = $1`, [
    org.orgId,
  ]);
  return rows;
}

async function apiKeys(org: TestOrg) {
  const { rows } = await pool().query(`SELECT id, name, "revokedAt" FROM api_keys WHERE "orgId" = $1 ORDER BY id`, [org.orgId]);
  return rows;
}

async function savedView(org: TestOrg): Promise<string> {
  return (await createSavedView(systemContext(org.orgId, "access test"), { name: `view-${Math.random().toString(36).slice(2, 8)}`, query: "status=FAILED" })).id;
}

async function savedViews(org: TestOrg) {
  const { rows } = await pool().query(`SELECT id::text, name, query FROM saved_views WHERE "orgId" = $1 ORDER BY name`, [org.orgId]);
  return rows;
}

async function workflowRow(org: TestOrg, input: Input) {
  const { rows } = await pool().query(`SELECT key, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds" FROM workflows WHERE "orgId" = $1 AND key = $2`, [
    org.orgId,
    input.key,
  ]);
  return rows;
}

async function newMember(org: TestOrg, role: Role): Promise<string> {
  return (await createMemberSession(org.orgId, role)).user.id;
}

/** A FIRING alert on a stuck-looking execution, written straight in (no sweep, which would touch every organization). */
async function firingAlert(org: TestOrg): Promise<string> {
  const executionId = await activeExecution(org);
  const { rows } = await pool().query<{ id: string }>(
    `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "executionStatus")
     SELECT e."orgId", 'running', e."workflowId", e."executionId", now() - interval '2 hours', e.status FROM executions e WHERE e."orgId" = $1 AND e."executionId" = $2
     RETURNING id::text`,
    [org.orgId, executionId],
  );
  return rows[0]!.id;
}

async function bulkInputFor(org: TestOrg): Promise<Input> {
  return { target: { kind: "ids", executionIds: [await activeExecution(org), await activeExecution(org)] }, reason: "access test" };
}

/** Executions, alerts and bulk jobs of the org: a refused bulk call changes none of them. */
async function bulkState(org: TestOrg) {
  await settleBulkJobs();
  const { rows } = await pool().query(
    `SELECT (SELECT jsonb_agg(jsonb_build_array("executionId", status) ORDER BY "executionId") FROM executions WHERE "orgId" = $1) AS executions,
            (SELECT jsonb_agg(jsonb_build_array(id, state) ORDER BY id) FROM alerts WHERE "orgId" = $1) AS alerts,
            (SELECT count(*)::int FROM bulk_jobs WHERE "orgId" = $1) AS jobs`,
    [org.orgId],
  );
  return rows;
}

async function bulkJobIn(org: TestOrg): Promise<string> {
  const job = await startBulkJob(systemContext(org.orgId, "access test"), { action: "cancel", target: { kind: "ids", executionIds: [await activeExecution(org)] }, filter: null, reason: "access test" });
  await settleBulkJobs();
  return job.jobId;
}

async function alertState(org: TestOrg, input: Input) {
  const { rows } = await pool().query(`SELECT state, "acknowledgedByUserId", "resolvedByUserId" FROM alerts WHERE "orgId" = $1 AND id = $2::bigint`, [org.orgId, input.alertId]);
  return rows;
}

async function alertSettingsRows(org: TestOrg) {
  const { rows } = await pool().query(
    `SELECT (SELECT to_jsonb(o) - 'updatedAt' FROM org_alert_settings o WHERE o."orgId" = $1) AS org,
            (SELECT jsonb_agg(to_jsonb(w) - 'updatedAt') FROM workflow_alert_settings w WHERE w."orgId" = $1) AS workflows`,
    [org.orgId],
  );
  return rows;
}

/** A local webhook receiver that answers 200, so a test message succeeds. */
async function okReceiverUrl(): Promise<string> {
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}/hook`;
}

async function webhookChannel(org: TestOrg): Promise<string> {
  const { createChannel } = await import("../../server/channels/service");
  return (await createChannel({ orgId: org.orgId, actor: { type: "SYSTEM", label: "access test" } }, { type: "WEBHOOK", url: await okReceiverUrl() })).channel.id;
}

async function channelRows(org: TestOrg) {
  const { rows } = await pool().query(
    `SELECT c.id, c.name, c.config, c.secret, c."disabledAt",
            (SELECT count(*)::int FROM notifications n WHERE n."orgId" = c."orgId" AND n."channelId" = c.id) AS notifications
     FROM alert_channels c WHERE c."orgId" = $1 ORDER BY c.id`,
    [org.orgId],
  );
  return rows;
}

/* ---------------------------------------------------------------------------------------------
 * The table: one entry per procedure
 * ------------------------------------------------------------------------------------------- */

export const ACCESS_CASES: Record<string, AccessCase> = {
  "session.me": {
    scope: "own",
    why: "the caller's own user and memberships",
    test: async () => {
      await expect(caller(null).then((c) => c.session.me())).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      const mine = await createTestOrg();
      const theirs = await createTestOrg();
      const me = await createMemberSession(mine.orgId, "OPERATOR");
      await createMemberSession(theirs.orgId, "OWNER");
      const answer = await (await caller(me)).session.me();
      expect(answer.user.id).toBe(me.user.id);
      expect(answer.memberships.map((m) => m.slug)).toEqual([mine.slug]);
      expect(answer.memberships[0]!.permissions).toContain("executions:operate");
      expect(JSON.stringify(answer)).not.toContain(theirs.orgId);
    },
  },
  "session.replicaLag": {
    scope: "own",
    why: "signed-in users only; the lag of the read replicas, no organization's data",
    test: async () => {
      await expect(caller(null).then((c) => c.session.replicaLag())).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      const org = await createTestOrg();
      const viewer = await createMemberSession(org.orgId, "VIEWER");
      // this suite runs without DATABASE_REPLICA_URLS: no replicas, no lag
      expect(await (await caller(viewer)).session.replicaLag()).toEqual({ seconds: null, warnAboveSeconds: 5 });
    },
  },
  "session.listPrefs": {
    scope: "own",
    why: "the caller's own list layout, keyed by the session's user; another user's is never read",
    test: async () => {
      await expect(caller(null).then((c) => c.session.listPrefs())).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      const org = await createTestOrg();
      const alice = await createMemberSession(org.orgId, "OWNER");
      const bob = await createMemberSession(org.orgId, "VIEWER");
      await (await caller(alice)).session.setListPrefs({ density: "compact", chartsOpen: false, chartsPlacement: "beside", columns: ["status", "execution"] });
      // bob, in the same organization, still has the defaults: alice's row is not his
      expect(await (await caller(bob)).session.listPrefs()).toEqual(DEFAULT_LIST_PREFS);
      expect(await (await caller(alice)).session.listPrefs()).toMatchObject({ density: "compact", chartsOpen: false, chartsPlacement: "beside", columns: ["status", "execution"] });
    },
  },
  "session.setListPrefs": {
    scope: "own",
    why: "writes the caller's own list layout only; naming another user is refused",
    test: async () => {
      await expect(caller(null).then((c) => c.session.setListPrefs({ density: "compact" }))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      const org = await createTestOrg();
      const alice = await createMemberSession(org.orgId, "OWNER");
      const bob = await createMemberSession(org.orgId, "OPERATOR");
      const asBob = await caller(bob);
      await asBob.session.setListPrefs({ chartScale: "log" });
      // a patch merges field by field
      expect(await asBob.session.setListPrefs({ density: "compact" })).toMatchObject({ chartScale: "log", density: "compact", chartsPlacement: "below" });
      // the input has no user: an extra userId key (or a bad value) is refused, nothing written
      await expect(asBob.session.setListPrefs({ userId: alice.user.id, density: "compact" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(asBob.session.setListPrefs({ density: "tiny" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
      const { rows } = await pool().query<{ userId: string }>(`SELECT "userId" FROM user_preferences WHERE "userId" = ANY($1::text[])`, [[alice.user.id, bob.user.id]]);
      expect(rows.map((r) => r.userId)).toEqual([bob.user.id]);
      expect(await (await caller(alice)).session.listPrefs()).toEqual(DEFAULT_LIST_PREFS);
    },
  },
  "admin.organizations": {
    scope: "own",
    why: "platform admins only; anyone else is told the area does not exist",
    test: async () => {
      const org = await createTestOrg();
      const owner = await createMemberSession(org.orgId, "OWNER");
      await expect((await caller(owner)).admin.organizations()).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect((await caller(null)).admin.organizations()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      const admin = await createSessionUser({ isPlatformAdmin: true });
      const { items } = await (await caller(admin)).admin.organizations();
      expect(items.length).toBeGreaterThan(0);
    },
  },

  "orgs.current": { scope: "org", input: async () => ({}) },

  "executions.cancel": {
    scope: "org",
    input: async (org) => ({ executionId: await activeExecution(org), reason: "access test" }),
    snapshot: executionState,
  },
  "executions.markFailed": {
    scope: "org",
    input: async (org) => ({ executionId: await activeExecution(org), reason: "access test" }),
    snapshot: executionState,
  },

  // bulk actions (issue 13): the snapshot is the targeted executions and the org's bulk jobs
  "executions.bulkCancel": { scope: "org", input: async (org) => bulkInputFor(org), snapshot: bulkState },
  "executions.bulkMarkFailed": { scope: "org", input: async (org) => bulkInputFor(org), snapshot: bulkState },
  "executions.bulkJob": { scope: "org", input: async (org) => ({ jobId: await bulkJobIn(org) }) },
  "alerts.bulkAcknowledge": { scope: "org", input: async (org) => (await firingAlert(org), { target: { kind: "filter", query: "workflow=access.test" }, reason: "access test" }), snapshot: bulkState },
  "alerts.bulkResolve": { scope: "org", input: async (org) => (await firingAlert(org), { target: { kind: "filter", query: "workflow=access.test" }, reason: "access test" }), snapshot: bulkState },

  "members.list": { scope: "org", input: async () => ({}) },
  "members.add": {
    scope: "org",
    input: async () => ({ email: (await createSessionUser()).user.email, role: "VIEWER" }),
    snapshot: memberships,
  },
  "members.changeRole": {
    scope: "org",
    input: async (org) => ({ userId: await newMember(org, "VIEWER"), role: "OPERATOR" }),
    snapshot: memberships,
  },
  "members.remove": {
    scope: "org",
    input: async (org) => ({ userId: await newMember(org, "VIEWER") }),
    snapshot: memberships,
  },

  "apiKeys.list": {
    scope: "org",
    input: async (org) => {
      await createTestApiKey(org.orgId);
      return {};
    },
  },
  "apiKeys.create": { scope: "org", input: async () => ({ name: "access test" }), snapshot: apiKeys },
  "apiKeys.revoke": { scope: "org", input: async (org) => ({ id: (await createTestApiKey(org.orgId)).id }), snapshot: apiKeys },

  "orgSettings.get": { scope: "org", input: async () => ({}) },
  "orgSettings.updateThresholds": { scope: "org", input: async () => ({ stuckScheduledAfterSeconds: 777 }), snapshot: orgRow },
  "orgSettings.rename": { scope: "org", input: async () => ({ name: "Renamed By Access Test" }), snapshot: orgRow },
  "orgSettings.delete": { scope: "org", input: async (org) => ({ confirmSlug: org.slug }), snapshot: orgRow },

  "audit.list": { scope: "org", input: async () => ({}) },

  // dashboard, saved views and workflows (issue 4)
  "dashboard.list": { scope: "org", input: async (org) => (await activeExecution(org), { query: "status=RUNNING" }) },
  "dashboard.count": { scope: "org", input: async (org) => (await activeExecution(org), { query: "" }) },
  "dashboard.countNew": { scope: "org", input: async (org) => (await activeExecution(org), { query: "", snapshotId: "0" }) },
  "dashboard.refreshRows": { scope: "org", input: async (org) => ({ executionIds: [await activeExecution(org)] }) },
  "dashboard.counters": { scope: "org", input: async (org) => (await activeExecution(org), { query: "" }) },
  "dashboard.charts": { scope: "org", input: async (org) => (await activeExecution(org), { query: "range=24h" }) },
  "dashboard.detail": { scope: "org", input: async (org) => ({ executionId: await activeExecution(org) }) },
  "dashboard.events": { scope: "org", input: async (org) => ({ executionId: await activeExecution(org) }) },
  "views.list": { scope: "org", input: async (org) => (await savedView(org), {}) },
  "views.get": { scope: "org", input: async (org) => ({ id: await savedView(org) }) },
  "views.create": { scope: "org", input: async () => ({ name: "access test view", query: "status=FAILED&stuck=1" }), snapshot: savedViews },
  "views.delete": { scope: "org", input: async (org) => ({ id: await savedView(org) }), snapshot: savedViews },
  "workflows.list": { scope: "org", input: async (org) => (await activeExecution(org), {}) },
  "workflows.get": { scope: "org", input: async (org) => (await activeExecution(org), { key: "access.test" }) },
  "workflows.charts": { scope: "org", input: async (org) => (await activeExecution(org), { key: "access.test", range: "24h" }) },
  "workflows.slots": { scope: "org", input: async (org) => (await activeExecution(org), { key: "access.test" }) },
  "workflows.updateThresholds": {
    scope: "org",
    input: async (org) => (await activeExecution(org), { key: "access.test", patch: { stuckScheduledAfterSeconds: 777 } }),
    snapshot: workflowRow,
  },

  // alert center and channels (issue 5)
  "alerts.list": { scope: "org", input: async (org) => (await firingAlert(org), { state: "FIRING" }) },
  "alerts.counts": { scope: "org", input: async (org) => (await firingAlert(org), {}) },
  "alerts.get": { scope: "org", input: async (org) => ({ alertId: await firingAlert(org) }) },
  "alerts.forExecution": {
    scope: "org",
    input: async (org) => {
      const alertId = await firingAlert(org);
      const { rows } = await pool().query(`SELECT "executionId" FROM alerts WHERE "orgId" = $1 AND id = $2::bigint`, [org.orgId, alertId]);
      return { executionId: rows[0]!.executionId };
    },
  },
  "alerts.acknowledge": { scope: "org", input: async (org) => ({ alertId: await firingAlert(org), note: "access test" }), snapshot: alertState },
  "alerts.resolve": { scope: "org", input: async (org) => ({ alertId: await firingAlert(org) }), snapshot: alertState },
  "alerts.orgSettings": { scope: "org", input: async () => ({}) },
  "alerts.updateOrgSettings": { scope: "org", input: async () => ({ stormThreshold: 7 }), snapshot: alertSettingsRows },
  "alerts.workflowSettings": { scope: "org", input: async (org) => (await activeExecution(org), { workflow: "access.test" }) },
  "alerts.updateWorkflowSettings": {
    scope: "org",
    input: async (org) => (await activeExecution(org), { workflow: "access.test", autoTimeoutMultiple: 3 }),
    snapshot: alertSettingsRows,
  },
  "channels.list": { scope: "org", input: async (org) => (await webhookChannel(org), {}) },
  "channels.create": { scope: "org", input: async () => ({ type: "WEBHOOK", url: "https://hooks.example.com/runwatch" }), snapshot: channelRows },
  "channels.update": { scope: "org", input: async (org) => ({ channelId: await webhookChannel(org), enabled: false }), snapshot: channelRows },
  "channels.rotateSecret": { scope: "org", input: async (org) => ({ channelId: await webhookChannel(org) }), snapshot: channelRows },
  "channels.delete": { scope: "org", input: async (org) => ({ channelId: await webhookChannel(org) }), snapshot: channelRows },
  "channels.sendTest": { scope: "org", input: async (org) => ({ channelId: await webhookChannel(org) }), snapshot: channelRows },
};

/* ---------------------------------------------------------------------------------------------
 * The generic checks
 * ------------------------------------------------------------------------------------------- */

/** Every call comes from this address and user agent, which a mutation's audit entry must carry. */
const CALLER_IP = "198.51.100.23";
const CALLER_AGENT = "access-test";

async function caller(session: AuthSession | null) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": CALLER_AGENT, [PEER_HEADER]: peerHeaderValue(CALLER_IP) }), session }));
}

type AnyProcedure = { _def: { type: "query" | "mutation" | "subscription"; meta?: ProcedureMeta; inputs: unknown[] } };
const PROCEDURES = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
const NAMES = Object.keys(PROCEDURES).sort();

async function call(session: AuthSession | null, name: string, input: Input | undefined): Promise<unknown> {
  const c = (await caller(session)) as unknown as Record<string, Record<string, (input?: Input) => Promise<unknown>>>;
  const [router, procedure] = name.split(".") as [string, string];
  return c[router]![procedure]!(input);
}

async function settle(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: { code?: string; message: string } }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error: error as { code?: string; message: string } };
  }
}

type AuditRow = { id: string; action: string; actorUserId: string | null; success: boolean; ip: string | null; userAgent: string | null };

async function lastAuditId(orgId: string): Promise<string> {
  const { rows } = await pool().query<{ id: string | null }>(`SELECT max(id)::text AS id FROM audit_logs WHERE "orgId" = $1`, [orgId]);
  return rows[0]?.id ?? "0";
}

async function auditSince(orgId: string, afterId: string): Promise<AuditRow[]> {
  const { rows } = await pool().query<AuditRow>(
    `SELECT id::text, action, "actorUserId", success, ip, "userAgent" FROM audit_logs WHERE "orgId" = $1 AND id > $2::bigint AND action <> $3 ORDER BY audit_logs.id`,
    [orgId, afterId, PLATFORM_ADMIN_VISIT_ACTION],
  );
  return rows;
}

const isOrgScoped = (name: string) => PROCEDURES[name]!._def.inputs.includes(orgInput);
const leastRoleWith = (permission: Permission | undefined): Role => ROLES.find((r) => !permission || can(r, permission))!;

describe("every procedure has an access case", () => {
  it.each(NAMES)("%s", (name) => {
    const entry = ACCESS_CASES[name];
    expect(entry, `add "${name}" to ACCESS_CASES in tests/integration/trpc-access.itest.ts`).toBeDefined();
    // an org-scoped procedure cannot be waved through as "own"
    expect(entry!.scope, `${name} takes orgSlug, so its case must be scope "org"`).toBe(isOrgScoped(name) ? "org" : "own");
    if (PROCEDURES[name]!._def.type === "mutation" && isOrgScoped(name)) {
      expect(PROCEDURES[name]!._def.meta?.permission, `${name} is a mutation: build it on permissionProcedure(…)`).toBeDefined();
    }
  });

  it("has no entry for a procedure that no longer exists", () => {
    expect(Object.keys(ACCESS_CASES).filter((n) => !PROCEDURES[n])).toEqual([]);
  });
});

const ORG_CASES = NAMES.filter((n) => ACCESS_CASES[n]?.scope === "org");
const OWN_CASES = NAMES.filter((n) => ACCESS_CASES[n]?.scope === "own");

describe.each(ORG_CASES)("%s", (name) => {
  const entry = ACCESS_CASES[name] as OrgCase;
  const def = PROCEDURES[name]!._def;
  const isMutation = def.type === "mutation";
  const permission = def.meta?.permission;

  it("answers a member of another organization NOT_FOUND, with no data and no change", async () => {
    const victim = await createTestOrg();
    const input = { ...(await entry.input(victim)), orgSlug: victim.slug };
    const before = await entry.snapshot?.(victim, input);
    const auditMark = await lastAuditId(victim.orgId);
    const home = await createTestOrg();
    // the highest role at home, so the refusal is about the tenant and not about a permission
    const outsider = await createMemberSession(home.orgId, "OWNER");

    const result = await settle(call(outsider, name, input));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("NOT_FOUND");
      expect(result.error.message).not.toContain(victim.orgId);
    }
    if (entry.snapshot) expect(await entry.snapshot(victim, input)).toEqual(before);
    expect(await auditSince(victim.orgId, auditMark)).toEqual([]);
  });

  const lacking = ROLES.filter((r) => permission && !can(r, permission));
  if (lacking.length === 0) {
    it(`lets every role call it (${permission ?? "membership only"})`, async () => {
      const org = await createTestOrg();
      const input = { ...(await entry.input(org)), orgSlug: org.slug };
      for (const role of ROLES) expect(permission ? can(role, permission) : true).toBe(true);
      await expect(call(await createMemberSession(org.orgId, "VIEWER"), name, input)).resolves.toBeDefined();
    });
  }

  it.each(lacking)(`answers %s FORBIDDEN (needs ${permission}), with no change${isMutation ? " and one denied audit entry" : ""}`, async (role) => {
    const org = await createTestOrg();
    const input = { ...(await entry.input(org)), orgSlug: org.slug };
    const member = await createMemberSession(org.orgId, role);
    const before = await entry.snapshot?.(org, input);
    const auditMark = await lastAuditId(org.orgId);

    const result = await settle(call(member, name, input));
    expect(result.ok ? "resolved" : result.error.code).toBe("FORBIDDEN");
    if (entry.snapshot) expect(await entry.snapshot(org, input)).toEqual(before);
    const audit = await auditSince(org.orgId, auditMark);
    if (isMutation) expect(audit).toEqual([expect.objectContaining({ actorUserId: member.user.id, success: false, ip: CALLER_IP, userAgent: CALLER_AGENT })]);
    else expect(audit).toEqual([]);
  });

  if (permission && !READ_ONLY.has(permission)) {
    it("answers a visiting platform admin FORBIDDEN (read-only access)", async () => {
      const org = await createTestOrg();
      const input = { ...(await entry.input(org)), orgSlug: org.slug };
      const before = await entry.snapshot?.(org, input);
      const admin = await createSessionUser({ isPlatformAdmin: true });
      const result = await settle(call(admin, name, input));
      expect(result.ok ? "resolved" : result.error.code).toBe("FORBIDDEN");
      if (entry.snapshot) expect(await entry.snapshot(org, input)).toEqual(before);
    });
  }

  if (isMutation) {
    it(`succeeds for ${leastRoleWith(permission)} and writes exactly one audit entry by the caller`, async () => {
      const org = await createTestOrg();
      const input = { ...(await entry.input(org)), orgSlug: org.slug };
      const member = await createMemberSession(org.orgId, leastRoleWith(permission));
      const before = await entry.snapshot?.(org, input);
      const auditMark = await lastAuditId(org.orgId);

      await call(member, name, input);
      if (entry.snapshot) expect(await entry.snapshot(org, input)).not.toEqual(before);
      expect(await auditSince(org.orgId, auditMark)).toEqual([expect.objectContaining({ actorUserId: member.user.id, success: true, ip: CALLER_IP, userAgent: CALLER_AGENT })]);
    });
  }

  it("answers UNAUTHORIZED without a session", async () => {
    const org = await createTestOrg();
    const input = { ...(await entry.input(org)), orgSlug: org.slug };
    await expect(call(null, name, input)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe.each(OWN_CASES)("%s", (name) => {
  const entry = ACCESS_CASES[name] as OwnCase;
  it(entry.why, entry.test);
});

describe("a mutation without audited()", () => {
  // the guard the success case above relies on: built on the same ladder, a mutation that changes
  // something without audited() is refused after the fact, and one with it answers
  it("is refused by the ladder, and the same change through audited() is not", async () => {
    const { createTRPCRouter, permissionProcedure, serviceContext, createCallerFactory } = await import("../../server/trpc");
    const { audited } = await import("../../server/rbac/audited");
    const rename = (name: string) => (client: { query: (sql: string, params: unknown[]) => Promise<unknown> }, orgId: string) =>
      client.query(`UPDATE organizations SET name = $2 WHERE id = $1`, [orgId, name]);
    const router = createTRPCRouter({
      unaudited: permissionProcedure("org:rename").mutation(async ({ ctx }) => (await rename("Unaudited")(pool(), ctx.org.id), true)),
      withAudit: permissionProcedure("org:rename").mutation(({ ctx }) =>
        audited(serviceContext(ctx), { action: "org.rename", resourceType: "organization" }, async (client) => (await rename("Audited")(client, ctx.org.id), { result: true })),
      ),
    });
    const org = await createTestOrg();
    const owner = await createMemberSession(org.orgId, "OWNER");
    const c = createCallerFactory(router)(await createTRPCContext({ headers: new Headers({ "user-agent": CALLER_AGENT, [PEER_HEADER]: peerHeaderValue(CALLER_IP) }), session: owner }));
    await expect(c.unaudited({ orgSlug: org.slug })).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: expect.stringContaining("wrote no audit entry") });
    const mark = await lastAuditId(org.orgId);
    await expect(c.withAudit({ orgSlug: org.slug })).resolves.toBe(true);
    const entries = await auditSince(org.orgId, mark);
    expect(entries).toEqual([expect.objectContaining({ action: "org.rename", success: true, ip: CALLER_IP, userAgent: CALLER_AGENT })]);
    // written by the transaction that renamed the organization: the same xmin on both rows
    const { rows } = await pool().query<{ org: string; audit: string }>(
      `SELECT (SELECT xmin::text FROM organizations WHERE id = $1) AS org, (SELECT xmin::text FROM audit_logs WHERE "orgId" = $1 AND id = $2::bigint) AS audit`,
      [org.orgId, entries[0]!.id],
    );
    expect(rows[0]!.audit).toBe(rows[0]!.org);
  });
});
