// The executions list in the browser: filters in the URL survive a reload and a shared link,
// keyset paging over a snapshot while events arrive through the HTTP API, live updates and the
// "N new — show" banner, the stuck filter against the API, counters against the API, charts,
// saved views, and accessibility.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures/auth";
import { listAll, listUrl, sendEvents, snapshotRows, uid } from "./dashboard-helpers";

const PAGE_SIZE = 50;

async function rowIds(page: Page): Promise<string[]> {
  return page.getByTestId("execution-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-execution-id") ?? ""));
}

/** The snapshot the list shows, once its rows for the current filters have arrived. */
async function snapshotOf(page: Page): Promise<string> {
  const list = page.getByTestId("list");
  await expect(list).toHaveAttribute("data-fetching", "false");
  await expect(list).toHaveAttribute("data-snapshot-id", /^\d+$/);
  return (await list.getAttribute("data-snapshot-id"))!;
}

test("filters live in the URL: a reload and a shared link show the same filters and rows", async ({ signInAs, context }) => {
  // three page loads and a reload; on a loaded two-core machine the sign-in fixture alone takes seconds
  test.setTimeout(60_000);
  const page = await signInAs("VIEWER");
  await page.goto(listUrl());
  await expect(page.getByTestId("execution-row").first()).toBeVisible();

  await page.getByTestId("status-toggle-COMPLETED").click();
  await page.getByTestId("status-toggle-FAILED").click();
  await expect(page).toHaveURL(/status=COMPLETED%2CFAILED|status=COMPLETED,FAILED/);
  await page.getByTestId("range").selectOption("7d");
  await expect(page).toHaveURL(/range=7d/);
  await snapshotOf(page);
  await expect(page.getByTestId("execution-row").first()).toBeVisible();
  const ids = await rowIds(page);
  expect(ids.length).toBeGreaterThan(0);
  const statuses = await page.getByTestId("execution-row").evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute("data-status")))]);
  expect(statuses.every((s) => s === "COMPLETED" || s === "FAILED")).toBe(true);
  const url = page.url();

  await page.reload();
  await expect(page.getByTestId("status-toggle-COMPLETED")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("status-toggle-FAILED")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("status-toggle-RUNNING")).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByTestId("range")).toHaveValue("7d");
  await expect.poll(() => rowIds(page)).toEqual(ids);

  const other = await context.newPage();
  await other.goto(url);
  await expect(other.getByTestId("status-toggle-FAILED")).toHaveAttribute("aria-pressed", "true");
  await expect(other.getByTestId("range")).toHaveValue("7d");
  await expect.poll(() => rowIds(other)).toEqual(ids);

  // an invalid value in a link is dropped (validated when decoded), the rest of the view kept
  await other.goto(listUrl("status=NOT_A_STATUS&range=7d"));
  await expect(other.getByTestId("range")).toHaveValue("7d");
  await expect(other.getByTestId("status-toggle-FAILED")).toHaveAttribute("aria-pressed", "false");
  await expect(other.getByTestId("execution-row").first()).toBeVisible();
});

test("paging forward and back through the snapshot while executions arrive: no row repeated or lost", async ({ signInAs, request }) => {
  test.setTimeout(90_000);
  const page = await signInAs("VIEWER");
  await page.goto(listUrl());
  await expect(page.getByTestId("execution-row").first()).toBeVisible();
  const snap = await snapshotOf(page);
  const expected = await snapshotRows(snap);
  const pages = Math.ceil(expected.length / PAGE_SIZE);
  expect(pages, "the demo seed must give more than three pages").toBeGreaterThan(3);

  const seen: string[][] = [];
  for (let i = 0; i < pages; i++) {
    await expect(page.getByTestId("page-number")).toHaveText(`Page ${i + 1}`);
    await expect.poll(() => rowIds(page)).toEqual(expected.slice(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
    seen.push(await rowIds(page));
    // arrivals while paging: a new execution, and a late report of one that started an hour ago
    await sendEvents(request, [
      { executionId: uid("arrival"), workflow: "e2e.paging", status: "PENDING" },
      { executionId: uid("late"), workflow: "e2e.paging", status: "RUNNING", occurredAt: new Date(Date.now() - 3_600_000).toISOString() },
    ]);
    if (i < pages - 1) await page.getByTestId("page-next").click();
  }
  await expect(page.getByTestId("page-next")).toBeDisabled();
  const all = seen.flat();
  expect(new Set(all).size).toBe(all.length);
  expect(all).toEqual(expected);
  await expect(page.getByTestId("new-banner")).toBeVisible();

  // a reload keeps the page (the cursor stack is in the URL)
  await page.reload();
  await expect(page.getByTestId("page-number")).toHaveText(`Page ${pages}`);
  await expect.poll(() => rowIds(page)).toEqual(seen[pages - 1]);

  for (let i = pages - 2; i >= 0; i--) {
    await page.getByTestId("page-previous").click();
    await expect(page.getByTestId("page-number")).toHaveText(`Page ${i + 1}`);
    await expect.poll(() => rowIds(page)).toEqual(seen[i]);
  }
  await expect(page.getByTestId("page-previous")).toBeDisabled();
});

test("a status sent through the HTTP API reaches the open list within 5 s; arrivals show as N new", async ({ signInAs, request }) => {
  const page = await signInAs("VIEWER");
  const id = uid("live");
  await sendEvents(request, [{ executionId: id, workflow: "e2e.live", status: "PENDING" }]);
  await page.goto(listUrl());
  const row = page.locator(`[data-testid="execution-row"][data-execution-id="${id}"]`);
  await expect(row.getByTestId("status-badge")).toHaveAttribute("data-status", "PENDING");
  const before = await rowIds(page);

  await sendEvents(request, [{ executionId: id, status: "RUNNING" }]);
  await expect(row.getByTestId("status-badge")).toHaveAttribute("data-status", "RUNNING", { timeout: 5_000 });

  const newcomer = uid("newcomer");
  await sendEvents(request, [{ executionId: newcomer, workflow: "e2e.live", status: "PENDING" }]);
  await expect(page.getByTestId("new-banner")).toHaveText(/^\d[\d,]*\+? new — show$/, { timeout: 5_000 });
  // the page did not shift under the reader
  expect(await rowIds(page)).toEqual(before);
  await page.getByTestId("new-banner").click();
  await expect(page.getByTestId("execution-row").first()).toHaveAttribute("data-execution-id", newcomer);
  await expect(page.getByTestId("new-banner")).toHaveCount(0);
});

test("a stuck execution shows its flag, and the stuck filter lists exactly what the API reports as stuck", async ({ signInAs, request }) => {
  const page = await signInAs("VIEWER");
  const id = uid("stuck");
  await sendEvents(request, [
    { executionId: id, workflow: "e2e.stuck", status: "PENDING", occurredAt: new Date(Date.now() - 21 * 60_000).toISOString() },
    { executionId: id, status: "SCHEDULED", occurredAt: new Date(Date.now() - 20 * 60_000).toISOString() },
  ]);
  await page.goto(listUrl("stuck=1"));
  const row = page.locator(`[data-testid="execution-row"][data-execution-id="${id}"]`);
  await expect(row.getByTestId("stuck-flag")).toHaveText(/stuck in Scheduled for 2\d min/);
  await expect(page.getByTestId("stuck-only")).toBeChecked();

  await expect(async () => {
    const api = (await listAll(request, "stuck=true")).map((e) => e.executionId);
    await page.goto(listUrl("stuck=1"));
    await expect(page.getByTestId("execution-row").first()).toBeVisible();
    const shown: string[] = [];
    for (;;) {
      shown.push(...(await rowIds(page)));
      const next = page.getByTestId("page-next");
      if (await next.isDisabled()) break;
      const pageNo = await page.getByTestId("page-number").textContent();
      await next.click();
      await expect(page.getByTestId("page-number")).not.toHaveText(pageNo!);
    }
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(api);
    // every listed row carries the flag
    expect(await page.getByTestId("execution-row").count()).toBe(await page.getByTestId("execution-row").getByTestId("stuck-flag").count());
  }).toPass({ timeout: 30_000 });
});

test("the counters equal what the API reports for the same filters", async ({ signInAs, request }) => {
  const page = await signInAs("VIEWER");
  const KEYS = { completed: "COMPLETED", failed: "FAILED", cancelled: "CANCELLED", timedOut: "TIMED_OUT", running: "RUNNING", waiting: "WAITING" } as const;
  for (const [uiQuery, apiQuery] of [
    ["", ""],
    ["status=COMPLETED%2CFAILED%2CRUNNING", "status=COMPLETED,FAILED,RUNNING"],
  ] as const) {
    await page.goto(listUrl(uiQuery));
    await expect(async () => {
      const api = await listAll(request, apiQuery);
      const value = async (key: string) => Number(await page.getByTestId(`counter-${key}`).getAttribute("data-value"));
      expect(await value("total")).toBe(api.length);
      for (const [key, status] of Object.entries(KEYS)) expect(await value(key), key).toBe(api.filter((e) => e.status === status).length);
      expect(await value("stuck")).toBe(api.filter((e) => e.stuck).length);
      await expect(page.getByTestId("total-count")).toHaveAttribute("data-value", String(api.length));
    }).toPass({ timeout: 20_000 });
  }
});

test("the charts render bars for the seeded data, and saved views open by link", async ({ signInAs }) => {
  const page = await signInAs("OPERATOR");
  await page.goto(listUrl());
  await expect(page.getByTestId("chart-status").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("chart-failure-rate")).toBeVisible();
  await expect(page.getByTestId("chart-duration")).toBeVisible();

  await page.getByTestId("status-toggle-FAILED").click();
  await expect(page).toHaveURL(/status=FAILED/);
  const name = uid("Failed only");
  await page.getByTestId("view-name").fill(name);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const link = page.getByTestId("saved-views").getByRole("link", { name });
  await expect(link).toHaveAttribute("href", "/o/demo/executions?status=FAILED");

  await page.goto(listUrl());
  await expect(page.getByTestId("status-toggle-FAILED")).toHaveAttribute("aria-pressed", "false");
  await page.getByTestId("saved-views").getByRole("link", { name }).click();
  await expect(page.getByTestId("status-toggle-FAILED")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("execution-row").first()).toHaveAttribute("data-status", "FAILED");

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: `Delete view ${name}` }).click();
  await expect(page.getByTestId("saved-views").getByRole("link", { name })).toHaveCount(0);
});

test("a VIEWER cannot save views; the list page has no serious accessibility violations", async ({ signInAs }) => {
  const page = await signInAs("VIEWER");
  await page.goto(listUrl());
  await expect(page.getByTestId("execution-row").first()).toBeVisible();
  await expect(page.getByTestId("counter-total")).toHaveAttribute("data-value", /\d+/);
  await expect(page.getByTestId("chart-status").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("view-name")).toHaveCount(0);

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});
