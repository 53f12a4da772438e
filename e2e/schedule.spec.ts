// Workflow schedules in the browser: an ADMIN sets a schedule on the workflow page and sees the
// slot strip and the next slots; the missed-run check (run here with a clock an hour ahead, as
// the monitor's leader runs it, in one transaction) opens a missed alert that the alert center
// shows with its slot and the workflows overview flags; a VIEWER sees the schedule but no form,
// and the server refuses the change.
import { checkMissedRuns } from "../server/monitor/missed";
import { sendEvents, uid } from "./dashboard-helpers";
import { DEMO_ORG_SLUG, expect, test, withDb } from "./fixtures/auth";

async function runMissedCheck(now: Date) {
  return withDb(async (c) => {
    await c.query("BEGIN");
    try {
      const result = await checkMissedRuns(c, { now });
      await c.query("COMMIT");
      return result;
    } catch (err) {
      await c.query("ROLLBACK");
      throw err;
    }
  });
}

const workflowUrl = (key: string) => `/o/${DEMO_ORG_SLUG}/workflows/${encodeURIComponent(key)}`;

test("an ADMIN sets a schedule, sees the slot strip, and a missed run shows in the alert center with its slot", async ({ signInAs }) => {
  const page = await signInAs("ADMIN");
  const key = uid("e2e.sched");
  expect((await sendEvents(page.request, [{ executionId: uid("run"), workflow: key, status: "COMPLETED" }])).map((r) => r.outcome)).toEqual(["applied"]);

  await page.goto(workflowUrl(key));
  const panel = page.getByTestId("schedule");
  await expect(panel).toContainText("No schedule");
  await panel.getByLabel("Expect executions").selectOption("every");
  await panel.getByLabel("Every (minutes)").fill("10");
  await panel.getByRole("button", { name: "Save schedule" }).click();
  await expect(panel.getByRole("status")).toHaveText("Saved.");
  await expect(page.getByTestId("schedule-summary")).toContainText("at least every 10 min");
  await expect(page.getByTestId("slot-strip").getByTestId("slot")).toHaveCount(24);
  // the window ending now has the execution sent above
  await expect(page.getByTestId("slot-strip").getByTestId("slot").last()).toHaveAttribute("data-state", "ran");
  await expect(page.getByTestId("next-slots").locator("time")).toHaveCount(5);
  // each slot opens the executions list at its window
  const href = await page.getByTestId("slot-strip").getByTestId("slot").last().getAttribute("href");
  expect(href).toMatch(new RegExp(`^/o/${DEMO_ORG_SLUG}/executions\\?workflow=${key.replace(/\./g, "\\.")}&from=.+&to=.+`));

  // a bad expression is refused, naming the field
  await panel.getByLabel("Expect executions").selectOption("cron");
  await panel.getByLabel("Cron expression").fill("61 * * * *");
  await panel.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByTestId("schedule-error")).toContainText("cron");

  // an hour later, with nothing run: one missed alert, six slots in a row
  await runMissedCheck(new Date(Date.now() + 3_600_000 + 5_000));
  await page.goto(`/o/${DEMO_ORG_SLUG}/alerts`);
  const row = page.locator('[data-testid="alert-row"]', { hasText: key });
  await expect(row).toContainText("Missed run");
  await expect(row.getByTestId("missed-slot")).toContainText("slot");
  await expect(row.getByTestId("missed-slot")).toContainText("6 slots in a row");
  await expect(row.getByRole("link", { name: "executions around it" })).toHaveAttribute("href", new RegExp(`workflow=${key.replace(/\./g, "\\.")}&from=`));

  await page.goto(`/o/${DEMO_ORG_SLUG}/workflows`);
  await expect(page.locator(`[data-testid="workflow-row"][data-workflow="${key}"]`).getByTestId("workflow-missed")).toContainText("Missed ×6");

  // keep the demo quiet for the other tests: remove the schedule (which resolves the alert)
  await page.goto(workflowUrl(key));
  await panel.getByLabel("Expect executions").selectOption("none");
  await panel.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByTestId("schedule-summary")).toContainText("No schedule");
  await runMissedCheck(new Date());
});

test("a VIEWER sees the schedule but cannot change it", async ({ signInAs, baseURL }) => {
  const page = await signInAs("VIEWER");
  const key = uid("e2e.sched-view");
  await sendEvents(page.request, [{ executionId: uid("run"), workflow: key, status: "COMPLETED" }]);
  await withDb((c) =>
    c.query(`UPDATE workflows SET schedule = '{"cron": "0 * * * *", "timezone": "Europe/Berlin", "graceSeconds": 600}', "scheduleSetAt" = now() WHERE key = $1`, [key]),
  );
  await page.goto(workflowUrl(key));
  await expect(page.getByTestId("schedule-summary")).toContainText("cron 0 * * * * (Europe/Berlin), 10 min grace");
  await expect(page.getByTestId("slot-strip")).toBeVisible();
  await expect(page.getByTestId("schedule-form")).toHaveCount(0);
  await expect(page.getByTestId("schedule")).toContainText("Only an admin can change the schedule.");
  const res = await page.request.post("/api/trpc/workflows.updateThresholds", {
    data: { json: { orgSlug: DEMO_ORG_SLUG, key, patch: { schedule: null } } },
    headers: { origin: baseURL! },
  });
  expect(res.status()).toBe(403);
  await withDb((c) => c.query(`UPDATE workflows SET schedule = NULL, "scheduleSetAt" = NULL WHERE key = $1`, [key]));
});
