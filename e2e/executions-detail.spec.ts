// The execution detail page: live within 5 s of an event, the stale event of an out-of-order
// pair with its reason, operator actions by role, and accessibility.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./fixtures/auth";
import { detailUrl, sendEvents, uid } from "./dashboard-helpers";

test("an event sent through the HTTP API shows up on the open detail page within 5 s", async ({ signInAs, request }) => {
  const page = await signInAs("VIEWER");
  const id = uid("detail-live");
  await sendEvents(request, [
    { executionId: id, workflow: "e2e.detail", status: "PENDING" },
    { executionId: id, status: "RUNNING" },
  ]);
  await page.goto(detailUrl(id));
  await expect(page.getByRole("heading", { level: 1, name: id })).toBeVisible();
  await expect(page.getByTestId("detail-status").getByTestId("status-badge")).toHaveAttribute("data-status", "RUNNING");
  await expect(page.getByTestId("event-row")).toHaveCount(2);

  const [result] = await sendEvents(request, [{ executionId: id, status: "COMPLETED" }]);
  await expect(page.getByTestId("detail-status").getByTestId("status-badge")).toHaveAttribute("data-status", "COMPLETED", { timeout: 5_000 });
  await expect(page.locator(`[data-testid="event-row"][data-event-id="${result!.eventId}"]`)).toHaveAttribute("data-outcome", "APPLIED", { timeout: 5_000 });
  await expect(page.getByTestId("stage-row")).toHaveCount(3);
  await expect(page.getByTestId("stage-chart")).toBeVisible();
});

test("after an out-of-order pair, the timeline shows the stale event and why it changed nothing", async ({ signInAs, request }) => {
  const page = await signInAs("VIEWER");
  const id = uid("ooo");
  const t = Date.now() - 60_000;
  const results = await sendEvents(request, [
    { executionId: id, workflow: "e2e.detail", status: "RUNNING", occurredAt: new Date(t).toISOString() },
    { executionId: id, status: "SCHEDULED", occurredAt: new Date(t - 5_000).toISOString() },
    { executionId: id, status: "COMPLETED", occurredAt: new Date(t + 5_000).toISOString() },
    { executionId: id, status: "FAILED", occurredAt: new Date(t + 6_000).toISOString() },
  ]);
  expect(results.map((r) => r.outcome)).toEqual(["applied", "stale", "applied", "rejected"]);
  const duplicate = await sendEvents(request, [{ eventId: results[2]!.eventId, executionId: id, status: "COMPLETED", occurredAt: new Date(t + 5_000).toISOString() }]);
  expect(duplicate[0]!.outcome).toBe("duplicate");

  await page.goto(detailUrl(id));
  const stale = page.locator(`[data-testid="event-row"][data-event-id="${results[1]!.eventId}"]`);
  await expect(stale).toHaveAttribute("data-outcome", "STALE");
  await expect(stale.getByTestId("event-outcome")).toHaveText("stale");
  await expect(stale.getByTestId("event-reason")).not.toBeEmpty();
  expect(((await stale.getByTestId("event-reason").textContent()) ?? "").length).toBeGreaterThan(5);
  const rejected = page.locator(`[data-testid="event-row"][data-event-id="${results[3]!.eventId}"]`);
  await expect(rejected).toHaveAttribute("data-outcome", "REJECTED");
  await expect(rejected.getByTestId("event-reason")).not.toBeEmpty();
  await expect(page.getByTestId("detail-status").getByTestId("status-badge")).toHaveAttribute("data-status", "COMPLETED");
  // the error is absent, input/output collapsible
  await expect(page.getByTestId("execution-error")).toContainText("No error reported");
});

test("operator actions follow the role: OPERATOR cancels with a reason, VIEWER sees none", async ({ signInAs, request, browser, baseURL }) => {
  const id = uid("operate");
  await sendEvents(request, [
    { executionId: id, workflow: "e2e.detail", status: "PENDING" },
    { executionId: id, status: "RUNNING" },
  ]);
  const page = await signInAs("OPERATOR");
  await page.goto(detailUrl(id));
  await page.getByRole("button", { name: `Mark execution ${id} cancelled` }).click();
  const dialog = page.getByRole("dialog", { name: "Mark cancelled in Runwatch — your engine is not told" });
  await dialog.getByLabel(/Reason/).fill("e2e: detail page cancel");
  await dialog.getByRole("button", { name: "Mark cancelled", exact: true }).click();
  await expect(page.getByTestId("detail-status").getByTestId("status-badge")).toHaveAttribute("data-status", "CANCELLED");
  await expect(page.getByTestId("audit-entry").first()).toContainText("e2e: detail page cancel");
  await expect(page.getByTestId("operate-actions")).toHaveCount(0);

  const viewerContext = await browser.newContext({ baseURL });
  const { signInThroughApi, demoLogin } = await import("./fixtures/auth");
  await signInThroughApi(viewerContext, baseURL!, demoLogin("VIEWER"));
  const viewer = await viewerContext.newPage();
  const other = uid("viewer-sees");
  await sendEvents(request, [{ executionId: other, workflow: "e2e.detail", status: "RUNNING" }]);
  await viewer.goto(detailUrl(other));
  await expect(viewer.getByTestId("detail-status").getByTestId("status-badge")).toHaveAttribute("data-status", "RUNNING");
  await expect(viewer.getByTestId("operate-actions")).toHaveCount(0);
  await viewerContext.close();
});

test("an unknown execution is a not-found state; the detail page has no serious accessibility violations", async ({ signInAs, request }) => {
  const page = await signInAs("OPERATOR");
  await page.goto(detailUrl("no-such-execution-here"));
  await expect(page.getByTestId("execution-not-found")).toBeVisible();

  const id = uid("axe");
  await sendEvents(request, [
    { executionId: id, workflow: "e2e.detail", status: "RUNNING" },
    { executionId: id, status: "FAILED" },
  ]);
  await page.goto(detailUrl(id));
  await expect(page.getByTestId("event-row")).toHaveCount(2);
  await expect(page.getByTestId("stage-chart")).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});

test("the timeline compacts heartbeats per attempt, counts repeats, and shows how long a deferred event waited", async ({ signInAs, request }) => {
  const id = uid("timeline");
  const t = Date.now() - 120_000;
  const iso = (s: number) => new Date(t + s * 1000).toISOString();
  // before the execution exists: both are kept as deferred (rule 9)
  const early = await sendEvents(request, [
    { executionId: id, type: "heartbeat", occurredAt: iso(20) },
    { eventId: `${id}-run`, executionId: id, status: "RUNNING", occurredAt: iso(10) },
  ]);
  expect(early.map((r) => r.outcome)).toEqual(["deferred", "deferred"]);
  await sendEvents(request, [
    { executionId: id, workflow: "e2e.detail", status: "PENDING", occurredAt: iso(0) },
    { executionId: id, type: "heartbeat", occurredAt: iso(30) },
    { executionId: id, type: "heartbeat", occurredAt: iso(40) },
    { eventId: `${id}-run`, executionId: id, status: "RUNNING", occurredAt: iso(10) },
  ]);
  const page = await signInAs("VIEWER");
  await page.goto(detailUrl(id));
  await expect(page.getByTestId("detail-status").getByTestId("status-badge")).toHaveAttribute("data-status", "RUNNING");
  const heartbeats = page.getByTestId("heartbeat-row");
  await expect(heartbeats).toHaveCount(1);
  await expect(heartbeats).toHaveAttribute("data-count", "3");
  await expect(heartbeats.getByTestId("heartbeat-count")).toContainText("3 heartbeats");
  await expect(heartbeats.getByTestId("event-waited")).toHaveText(/waited \d+ s/);
  const running = page.locator(`[data-testid="event-row"][data-event-id="${id}-run"]`);
  await expect(running).toHaveCount(1);
  await expect(running.getByTestId("event-waited")).toHaveText(/waited \d+ s/);
  await expect(running.getByTestId("event-repeats")).toContainText("×2");
  // by occurredAt: PENDING, RUNNING, then the heartbeats of attempt 1
  await expect(page.getByTestId("event-row")).toHaveCount(2);
});
