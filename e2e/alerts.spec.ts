// The alert center in the browser: a stuck execution opens an alert that shows in the Firing tab
// and in the nav badge's count; an OPERATOR acknowledges it (it moves to Acknowledged, with the
// note, and is audited); a VIEWER is offered no action and is refused by the server; axe finds
// no serious or critical violations. The alert center's channel and rule settings (with each
// channel's storm grouping) for an ADMIN.
//
// The e2e server runs without the in-process monitor (scripts/test.ts starts scripts/serve.ts without
// RUNWATCH_MONITOR), so the test runs the leader's sweep itself, in one transaction on its own
// connection, exactly as server/monitor/monitor.ts does: no waiting on an interval.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { sweep } from "../server/monitor/sweep";
import { sendEvents, uid } from "./dashboard-helpers";
import { DEMO_ORG_SLUG, expect, test, withDb } from "./fixtures/auth";

const alertsUrl = `/o/${DEMO_ORG_SLUG}/alerts`;

async function runSweep(): Promise<{ opened: { executionId: string | null; alertId: string }[] }> {
  return withDb(async (c) => {
    await c.query("BEGIN");
    try {
      const result = await sweep(c, { now: new Date(), failureRate: false });
      await c.query("COMMIT");
      return result;
    } catch (err) {
      await c.query("ROLLBACK");
      throw err;
    }
  });
}

/** A demo execution SCHEDULED two hours ago (past the 300 s default), swept into a FIRING alert. */
async function stuckExecutionWithAlert(request: Page["request"]): Promise<{ executionId: string; alertId: string }> {
  // sweep once first, so alerts for executions other tests left stuck are not opened in the same
  // sweep: ours then has the newest firedAt, first in the list
  await runSweep();
  const executionId = uid("e2e-stuck");
  const results = await sendEvents(request, [{ executionId, workflow: "e2e.alerts", status: "SCHEDULED", occurredAt: new Date(Date.now() - 2 * 3_600_000).toISOString() }]);
  expect(results.map((r) => r.outcome)).toEqual(["applied"]);
  const { opened } = await runSweep();
  const mine = opened.find((a) => a.executionId === executionId);
  expect(mine, `the sweep opened an alert for ${executionId}`).toBeDefined();
  return { executionId, alertId: mine!.alertId };
}

async function firingCount(): Promise<number> {
  return withDb(async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alerts a JOIN organizations o ON o.id = a."orgId" WHERE o.slug = $1 AND a.state = 'FIRING'`,
      [DEMO_ORG_SLUG],
    );
    return rows[0]!.n;
  });
}

const row = (page: Page, alertId: string) => page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`);

test("a stuck execution appears in the alert center with the badge count; an OPERATOR acknowledges it and it moves to Acknowledged", async ({ signInAs }) => {
  const page = await signInAs("OPERATOR");
  const { executionId, alertId } = await stuckExecutionWithAlert(page.request);
  const firing = await firingCount();

  await page.goto(alertsUrl);
  await expect(page.getByRole("heading", { level: 1, name: "Alerts" })).toBeVisible();
  await expect(page.getByRole("tab", { name: /Firing/ })).toHaveAttribute("aria-selected", "true");
  const badge = page.getByTestId("nav-alerts-badge");
  await expect(badge).toHaveAttribute("data-count", String(firing));
  await expect(badge).toContainText(firing.toLocaleString("en-US"));

  const r = row(page, alertId);
  await expect(r).toBeVisible();
  await expect(r).toContainText("Stuck in Scheduled");
  await expect(r).toContainText("e2e.alerts");
  await expect(r.getByRole("link", { name: executionId })).toHaveAttribute("href", `/o/${DEMO_ORG_SLUG}/executions/${executionId}`);

  await r.getByRole("button", { name: `Acknowledge alert ${alertId}` }).click();
  const dialog = page.getByRole("dialog", { name: "Acknowledge alert" });
  await dialog.getByLabel(/Note/).fill("looking at the scheduler");
  await dialog.getByRole("button", { name: "Acknowledge" }).click();
  await expect(dialog).toBeHidden();

  // gone from Firing, in Acknowledged with who and the note; the badge counts one fewer at once
  await expect(r).toHaveCount(0);
  if (firing > 1) await expect(badge).toHaveAttribute("data-count", String(firing - 1));
  else await expect(badge).toHaveCount(0);
  await page.getByRole("tab", { name: /Acknowledged/ }).click();
  await expect(page).toHaveURL(/tab=acknowledged/);
  await expect(row(page, alertId)).toContainText("operator@demo.runwatch.dev");
  await expect(row(page, alertId)).toContainText("looking at the scheduler");

  // the webhook link opens the drawer with the timeline
  await page.goto(`${alertsUrl}?alert=${alertId}`);
  const drawer = page.getByTestId("alert-detail");
  await expect(drawer).toHaveAttribute("data-state", "ACKNOWLEDGED");
  await expect(page.getByTestId("alert-timeline")).toContainText("Acknowledged by operator@demo.runwatch.dev");
  await expect(page.getByTestId("alert-timeline")).toContainText("looking at the scheduler");

  const audit = await withDb((c) =>
    c.query(`SELECT "actorLabel", success FROM audit_logs WHERE action = 'alert.acknowledge' AND "resourceId" = $1`, [alertId]).then((q) => q.rows),
  );
  expect(audit).toEqual([{ actorLabel: "operator@demo.runwatch.dev", success: true }]);
});

test("a VIEWER sees the firing alert but no Acknowledge or Resolve, and the server refuses the call", async ({ signInAs, baseURL }) => {
  const page = await signInAs("VIEWER");
  const { alertId } = await stuckExecutionWithAlert(page.request);

  await page.goto(alertsUrl);
  const r = row(page, alertId);
  await expect(r).toBeVisible();
  await expect(r.getByRole("button", { name: /Acknowledge|Resolve/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Acknowledge/ })).toHaveCount(0);
  await page.goto(`${alertsUrl}?alert=${alertId}`);
  await expect(page.getByTestId("alert-detail")).toHaveAttribute("data-state", "FIRING");
  await expect(page.getByTestId("alert-actions")).toHaveCount(0);

  // hidden is a convenience: the call itself is refused and recorded
  const res = await page.request.post("/api/trpc/alerts.acknowledge", { data: { json: { orgSlug: DEMO_ORG_SLUG, alertId } }, headers: { origin: baseURL! } });
  expect(res.status()).toBe(403);
  const state = await withDb((c) => c.query(`SELECT state FROM alerts WHERE id = $1::bigint`, [alertId]).then((q) => q.rows));
  expect(state).toEqual([{ state: "FIRING" }]);
  const audit = await withDb((c) =>
    c.query(`SELECT "actorLabel", success FROM audit_logs WHERE action = 'alert.acknowledge' AND "resourceId" = $1`, [alertId]).then((q) => q.rows),
  );
  expect(audit).toEqual([{ actorLabel: "viewer@demo.runwatch.dev", success: false }]);
});

test("an ADMIN adds a webhook channel (secret shown once, never listed) and turns on a workflow's auto-timeout; a VIEWER gets no controls", async ({ signInAs }) => {
  const page = await signInAs("ADMIN");
  await sendEvents(page.request, [{ executionId: uid("e2e-rules"), workflow: "e2e.alerts", status: "RUNNING" }]);
  await page.goto(`/o/${DEMO_ORG_SLUG}/settings/alerts`);
  await expect(page.getByRole("heading", { level: 1, name: "Alert channels and rules" })).toBeVisible();
  const name = uid("e2e-hook");
  await page.getByLabel("Type").selectOption("WEBHOOK");
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByLabel("Webhook URL").fill("https://hooks.example.com/runwatch-e2e");
  await page.getByRole("button", { name: "Add channel" }).click();
  const secret = (await page.getByTestId("channel-secret-value").textContent())!;
  expect(secret).toMatch(/^whsec_/);
  await page.getByRole("button", { name: "I have stored it" }).click();
  await expect(page.getByTestId("channel-secret")).toHaveCount(0);
  const channelRow = page.getByTestId("channel-row").filter({ hasText: name });
  await expect(channelRow).toContainText("https://hooks.example.com/runwatch-e2e");
  await page.reload();
  await expect(page.getByTestId("channel-row").filter({ hasText: name })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  // storm grouping: off by default for a webhook (machines read it), switched on per channel
  const grouping = page.getByTestId("channel-row").filter({ hasText: name }).getByLabel(`Group storms for ${name}`);
  await expect(grouping).not.toBeChecked();
  await grouping.click(); // the box follows the saved value, once the server answered
  await expect(grouping).toBeChecked();
  await expect
    .poll(() => withDb((c) => c.query(`SELECT "stormGrouping" FROM alert_channels WHERE name = $1`, [name]).then((q) => q.rows[0]?.stormGrouping)))
    .toBe(true);
  await page.getByRole("button", { name: `Disable ${name}` }).click();
  await expect(page.getByTestId("channel-row").filter({ hasText: name })).toHaveAttribute("data-enabled", "false");

  await page.getByLabel("Workflow", { exact: true }).selectOption("e2e.alerts");
  await page.getByLabel("Mark TIMED_OUT after × threshold").fill("4");
  await page.getByRole("button", { name: "Save workflow rules" }).click();
  await expect(page.getByText("Saved")).toBeVisible();
  await expect
    .poll(() =>
      withDb((c) =>
        c
          .query(
            `SELECT s."autoTimeoutMultiple"::float AS m FROM workflow_alert_settings s JOIN workflows w ON w."orgId" = s."orgId" AND w.id = s."workflowId"
             JOIN organizations o ON o.id = w."orgId" WHERE o.slug = $1 AND w.key = 'e2e.alerts'`,
            [DEMO_ORG_SLUG],
          )
          .then((q) => q.rows[0]?.m ?? null),
      ),
    )
    .toBe(4);
  // back to off, so the demo's stuck executions are never timed out by a later monitor
  await page.getByLabel("Mark TIMED_OUT after × threshold").fill("");
  await page.getByRole("button", { name: "Save workflow rules" }).click();
  await expect(page.getByLabel("Mark TIMED_OUT after × threshold")).toHaveValue("");

  const viewer = await signInAs("VIEWER");
  await viewer.goto(`/o/${DEMO_ORG_SLUG}/settings/alerts`);
  await expect(viewer.getByTestId("alert-settings-not-allowed")).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Add channel" })).toHaveCount(0);
});

test("axe finds no serious or critical violations on the alert center, its drawer and the alert settings", async ({ signInAs }) => {
  const page = await signInAs("ADMIN");
  const { alertId } = await stuckExecutionWithAlert(page.request);
  for (const url of [alertsUrl, `${alertsUrl}?tab=acknowledged`, `${alertsUrl}?alert=${alertId}`, `/o/${DEMO_ORG_SLUG}/settings/alerts`]) {
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${url} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  }
});
