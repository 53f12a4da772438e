// The alert center's procedures through createCaller, as the browser calls them: acknowledge and
// resolve by role (a VIEWER's attempt is refused and audited), other organizations' alerts and
// channels are not found, the list pages by keyset, and a channel's secret appears only in the
// answers of create and rotate.
import { describe, expect, it } from "vitest";
import { createMemberSession } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import type { Role } from "../../server/rbac/permissions";
import { createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";
import { executionIn, uid } from "./monitor-helpers";

type Org = { orgId: string; slug: string };

async function caller(session: AuthSession) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "alerts-router-test" }), session }));
}

async function as(org: Org, role: Role) {
  const session = await createMemberSession(org.orgId, role);
  return { session, api: await caller(session) };
}

/** A FIRING alert for a SCHEDULED execution, written in directly: a sweep would touch other files' organizations. */
async function firingAlert(org: Org, firedAt = new Date()): Promise<{ alertId: string; executionId: string }> {
  const executionId = await executionIn(org.orgId, "wf.router", "SCHEDULED", new Date(Date.now() - 3_600_000));
  const { rows } = await pool().query<{ id: string }>(
    `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "firedAt", "executionStatus")
     SELECT e."orgId", 'scheduled', e."workflowId", e."executionId", e."statusChangedAt", $3, e.status FROM executions e WHERE e."orgId" = $1 AND e."executionId" = $2
     RETURNING id::text`,
    [org.orgId, executionId, firedAt],
  );
  return { alertId: rows[0]!.id, executionId };
}

async function auditFor(orgId: string, resourceId: string) {
  const { rows } = await pool().query<{ action: string; actorUserId: string | null; success: boolean; details: unknown }>(
    `SELECT action, "actorUserId", success, details FROM audit_logs WHERE "orgId" = $1 AND "resourceId" = $2 ORDER BY id`,
    [orgId, resourceId],
  );
  return rows;
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string }) => e.code ?? "unknown",
  );

describe("acknowledge and resolve", () => {
  it("an OPERATOR acknowledges with a note, then resolves; the list, counts and timeline follow", async () => {
    const org = await createTestOrg();
    const { alertId, executionId } = await firingAlert(org);
    const { session, api } = await as(org, "OPERATOR");

    expect(await api.alerts.counts({ orgSlug: org.slug })).toEqual({ firing: 1, acknowledged: 0, open: 1, capped: false });
    const acked = await api.alerts.acknowledge({ orgSlug: org.slug, alertId, note: "on it" });
    expect(acked).toMatchObject({ id: alertId, state: "ACKNOWLEDGED", acknowledgedBy: session.user.email, executionId });
    // instants are Dates, as in the dashboard's procedures (superjson carries them to the browser)
    expect([acked.since, acked.firedAt, acked.acknowledgedAt].map((d) => d instanceof Date)).toEqual([true, true, true]);
    expect(await api.alerts.counts({ orgSlug: org.slug })).toMatchObject({ firing: 0, acknowledged: 1, open: 1 });
    expect((await api.alerts.list({ orgSlug: org.slug, state: "FIRING" })).items).toEqual([]);
    expect((await api.alerts.list({ orgSlug: org.slug, state: "ACKNOWLEDGED" })).items.map((a) => [a.id, a.acknowledgedBy, a.acknowledgedNote])).toEqual([
      [alertId, session.user.email, "on it"],
    ]);
    // a second acknowledge is a conflict, not a silent success
    expect(await codeOf(api.alerts.acknowledge({ orgSlug: org.slug, alertId }))).toBe("CONFLICT");

    const resolved = await api.alerts.resolve({ orgSlug: org.slug, alertId, note: "restarted the worker" });
    expect(resolved).toMatchObject({ state: "RESOLVED", resolution: "manual", resolvedBy: session.user.email });
    const detail = await api.alerts.get({ orgSlug: org.slug, alertId });
    expect(detail.events.map((e) => [e.kind, e.actor, e.note])).toEqual([
      ["acknowledged", session.user.email, "on it"],
      ["resolved", session.user.email, "restarted the worker"],
    ]);
    expect((await api.alerts.forExecution({ orgSlug: org.slug, executionId })).items.map((a) => [a.id, a.state])).toEqual([[alertId, "RESOLVED"]]);
    expect(await auditFor(org.orgId, alertId)).toEqual([
      expect.objectContaining({ action: "alert.acknowledge", actorUserId: session.user.id, success: true }),
      expect.objectContaining({ action: "alert.resolve", actorUserId: session.user.id, success: true }),
    ]);
  });

  it("a VIEWER may read alerts but not acknowledge or resolve: FORBIDDEN, unchanged, and each attempt audited with success false", async () => {
    const org = await createTestOrg();
    const { alertId } = await firingAlert(org);
    const { session, api } = await as(org, "VIEWER");

    expect((await api.alerts.list({ orgSlug: org.slug, state: "FIRING" })).items.map((a) => a.id)).toEqual([alertId]);
    expect(await codeOf(api.alerts.acknowledge({ orgSlug: org.slug, alertId, note: "me too" }))).toBe("FORBIDDEN");
    expect(await codeOf(api.alerts.resolve({ orgSlug: org.slug, alertId }))).toBe("FORBIDDEN");

    expect((await api.alerts.get({ orgSlug: org.slug, alertId })).state).toBe("FIRING");
    expect(await auditFor(org.orgId, alertId)).toEqual([
      expect.objectContaining({ action: "alert.acknowledge", actorUserId: session.user.id, success: false, details: expect.objectContaining({ denied: true, role: "VIEWER" }) }),
      expect.objectContaining({ action: "alert.resolve", actorUserId: session.user.id, success: false }),
    ]);
  });

  it("another organization's alert is NOT_FOUND for every alert procedure, and stays as it was", async () => {
    const victim = await createTestOrg();
    const { alertId, executionId } = await firingAlert(victim);
    const home = await createTestOrg();
    const { api } = await as(home, "OWNER");

    // through the victim's slug: not a member, so the organization itself is not found
    expect(await codeOf(api.alerts.get({ orgSlug: victim.slug, alertId }))).toBe("NOT_FOUND");
    expect(await codeOf(api.alerts.acknowledge({ orgSlug: victim.slug, alertId }))).toBe("NOT_FOUND");
    // through the caller's own slug with the victim's alert id: the tenant is in the query
    expect(await codeOf(api.alerts.get({ orgSlug: home.slug, alertId }))).toBe("NOT_FOUND");
    expect(await codeOf(api.alerts.acknowledge({ orgSlug: home.slug, alertId }))).toBe("NOT_FOUND");
    expect(await codeOf(api.alerts.resolve({ orgSlug: home.slug, alertId }))).toBe("NOT_FOUND");
    expect((await api.alerts.forExecution({ orgSlug: home.slug, executionId })).items).toEqual([]);
    expect((await api.alerts.list({ orgSlug: home.slug, state: "FIRING" })).items).toEqual([]);

    const { rows } = await pool().query(`SELECT state FROM alerts WHERE "orgId" = $1 AND id = $2::bigint`, [victim.orgId, alertId]);
    expect(rows).toEqual([{ state: "FIRING" }]);
    expect(await auditFor(victim.orgId, alertId)).toEqual([]);
  });

  it("pages the list by keyset, newest first, without repeats", async () => {
    const org = await createTestOrg();
    const base = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await firingAlert(org, new Date(base + i * 1000))).alertId);
    const { api } = await as(org, "VIEWER");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await api.alerts.list({ orgSlug: org.slug, state: "FIRING", limit: 2, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("rule settings", () => {
  it("an ADMIN turns on the auto-timeout and changes storm control; an OPERATOR may read but not change them", async () => {
    const org = await createTestOrg();
    await executionIn(org.orgId, "wf.rules", "RUNNING");
    const { api: admin } = await as(org, "ADMIN");
    const { api: operator } = await as(org, "OPERATOR");

    expect((await operator.alerts.workflowSettings({ orgSlug: org.slug, workflow: "wf.rules" })).autoTimeoutMultiple).toBeNull();
    expect(await codeOf(operator.alerts.updateWorkflowSettings({ orgSlug: org.slug, workflow: "wf.rules", autoTimeoutMultiple: 3 }))).toBe("FORBIDDEN");
    const wf = await admin.alerts.updateWorkflowSettings({ orgSlug: org.slug, workflow: "wf.rules", autoTimeoutMultiple: 3, failureRate: { percent: 50 } });
    expect(wf).toMatchObject({ autoTimeoutMultiple: 3, failureRate: { percent: 50, minExecutions: 20 } });
    expect(await codeOf(admin.alerts.updateWorkflowSettings({ orgSlug: org.slug, workflow: "wf.unknown", autoTimeoutMultiple: 3 }))).toBe("NOT_FOUND");
    expect(await codeOf(admin.alerts.updateWorkflowSettings({ orgSlug: org.slug, workflow: "wf.rules", autoTimeoutMultiple: 0.5 }))).toBe("BAD_REQUEST");

    const s = await admin.alerts.updateOrgSettings({ orgSlug: org.slug, stormThreshold: 4, stormWindowSeconds: 120 });
    expect(s).toMatchObject({ stormThreshold: 4, stormWindowSeconds: 120 });
    expect(await operator.alerts.orgSettings({ orgSlug: org.slug })).toEqual(s);
  });
});

describe("channels", () => {
  it("the secret is in the answers of create and rotate only, never in a list or an update", async () => {
    const org = await createTestOrg();
    const { api } = await as(org, "ADMIN");
    const created = await api.channels.create({ orgSlug: org.slug, type: "WEBHOOK", name: "ops hook", url: "https://hooks.example.com/rw" });
    expect(created.secret).toMatch(/^whsec_/);
    const slack = await api.channels.create({ orgSlug: org.slug, type: "SLACK", url: "https://hooks.slack.com/services/T000/B000/XXXXsecretpath" });
    const email = await api.channels.create({ orgSlug: org.slug, type: "EMAIL", to: ["oncall@example.com"] });

    const listed = await api.channels.list({ orgSlug: org.slug });
    expect(listed.items.map((c) => c.type)).toEqual(["WEBHOOK", "SLACK", "EMAIL"]);
    const text = JSON.stringify(listed);
    for (const secret of [created.secret, slack.secret, email.secret]) expect(text).not.toContain(secret);
    expect(text).not.toContain("whsec_");
    // a Slack URL is itself a credential: listed masked
    expect(text).not.toContain("XXXXsecretpath");

    const disabled = await api.channels.update({ orgSlug: org.slug, channelId: created.channel.id, enabled: false });
    expect(disabled).toMatchObject({ enabled: false });
    expect(JSON.stringify(disabled)).not.toContain("whsec_");

    const rotated = await api.channels.rotateSecret({ orgSlug: org.slug, channelId: created.channel.id });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(JSON.stringify(await api.channels.list({ orgSlug: org.slug }))).not.toContain(rotated.secret);
  });

  it("a channel of another organization is NOT_FOUND, and an OPERATOR may not manage channels", async () => {
    const victim = await createTestOrg();
    const { api: victimAdmin } = await as(victim, "ADMIN");
    const { channel } = await victimAdmin.channels.create({ orgSlug: victim.slug, type: "WEBHOOK", url: "https://hooks.example.com/victim" });
    const home = await createTestOrg();
    const { api: outsider } = await as(home, "OWNER");
    for (const call of [
      () => outsider.channels.rotateSecret({ orgSlug: home.slug, channelId: channel.id }),
      () => outsider.channels.update({ orgSlug: home.slug, channelId: channel.id, enabled: false }),
      () => outsider.channels.sendTest({ orgSlug: home.slug, channelId: channel.id }),
      () => outsider.channels.delete({ orgSlug: home.slug, channelId: channel.id }),
      () => outsider.channels.list({ orgSlug: victim.slug }),
    ]) {
      expect(await codeOf(call())).toBe("NOT_FOUND");
    }
    expect((await outsider.channels.list({ orgSlug: home.slug })).items).toEqual([]);
    expect((await victimAdmin.channels.list({ orgSlug: victim.slug })).items).toEqual([expect.objectContaining({ id: channel.id, enabled: true })]);

    const { api: operator } = await as(victim, "OPERATOR");
    expect(await codeOf(operator.channels.list({ orgSlug: victim.slug }))).toBe("FORBIDDEN");
    expect(await codeOf(operator.channels.create({ orgSlug: victim.slug, type: "WEBHOOK", url: `https://hooks.example.com/${uid("x")}` }))).toBe("FORBIDDEN");
  });
});
