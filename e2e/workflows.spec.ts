// Workflows: the overview against the API's counters, a workflow's chart, thresholds editable by
// ADMIN only (and audited), and accessibility.
import AxeBuilder from "@axe-core/playwright";
import { DEMO_ORG_SLUG, expect, test, withDb } from "./fixtures/auth";
import { demoApiKey } from "./dashboard-helpers";

test("the overview lists each workflow with the counts the API reports", async ({ signInAs, request }) => {
  const page = await signInAs("VIEWER");
  await page.goto(`/o/${DEMO_ORG_SLUG}/workflows`);
  const rows = page.getByTestId("workflow-row");
  await expect(rows.first()).toBeVisible();
  const key = (await rows.first().getAttribute("data-workflow"))!;
  const res = await request.get(`/api/v1/workflows/${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${await demoApiKey()}` } });
  const api = (await res.json()) as { executionCount: number; successCount: number; failureCount: number };
  await expect(async () => {
    const cells = await page.locator(`[data-testid="workflow-row"][data-workflow="${key}"] td`).allTextContents();
    expect(cells.slice(1, 4).map((c) => Number(c.replace(/,/g, "")))).toEqual([api.executionCount, api.successCount, api.failureCount]);
  }).toPass({ timeout: 15_000 });

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});

test("an ADMIN edits a workflow's thresholds (audited); an OPERATOR cannot", async ({ signInAs, browser, baseURL }) => {
  const page = await signInAs("ADMIN");
  await page.goto(`/o/${DEMO_ORG_SLUG}/workflows`);
  const key = (await page.getByTestId("workflow-row").first().getAttribute("data-workflow"))!;
  await page.getByTestId("workflow-row").first().getByRole("link").click();
  await page.waitForURL(`**/workflows/${encodeURIComponent(key)}`);
  await expect(page.getByTestId("chart-status").locator(".recharts-bar-rectangle").first()).toBeVisible();

  await page.getByTestId("threshold-scheduled").fill("7");
  await page.getByRole("button", { name: "Save thresholds" }).click();
  await expect(page.getByTestId("thresholds").getByRole("status")).toHaveText("Saved.");
  const stored = await withDb(async (c) => {
    const { rows } = await c.query<{ s: number }>(
      `SELECT w."stuckScheduledAfterSeconds" AS s FROM workflows w JOIN organizations o ON o.id = w."orgId" WHERE o.slug = $1 AND w.key = $2`,
      [DEMO_ORG_SLUG, key],
    );
    const audit = await c.query<{ actorLabel: string }>(
      `SELECT a."actorLabel" FROM audit_logs a JOIN organizations o ON o.id = a."orgId"
        WHERE o.slug = $1 AND a.action = 'workflow.update' AND a."resourceId" = $2 AND a.success ORDER BY a.id DESC LIMIT 1`,
      [DEMO_ORG_SLUG, key],
    );
    return { seconds: rows[0]?.s, actor: audit.rows[0]?.actorLabel };
  });
  expect(stored).toEqual({ seconds: 420, actor: "admin@demo.runwatch.dev" });

  const operatorContext = await browser.newContext({ baseURL });
  const { signInThroughApi, demoLogin } = await import("./fixtures/auth");
  await signInThroughApi(operatorContext, baseURL!, demoLogin("OPERATOR"));
  const operator = await operatorContext.newPage();
  await operator.goto(`/o/${DEMO_ORG_SLUG}/workflows/${encodeURIComponent(key)}`);
  await expect(operator.getByTestId("thresholds")).toContainText("Only an admin can change them.");
  await expect(operator.getByTestId("threshold-scheduled")).toHaveCount(0);
  await operatorContext.close();
});
