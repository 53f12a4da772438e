import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./fixtures/auth";
import pg from "pg";
import { STATUS_LABELS } from "../components/executions/format";
import type { Status } from "../server/executions/status";

type Latest = { executionId: string; status: Status };

// the row the page should show first, read straight from the database the server uses
async function newestDemoExecution(): Promise<Latest> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<Latest>(
      `SELECT e."executionId", e.status::text AS status
         FROM executions e JOIN organizations o ON o.id = e."orgId"
        WHERE o.slug = 'demo'
        ORDER BY e."createdAt" DESC, e.id DESC
        LIMIT 1`,
    );
    if (!rows[0]) throw new Error("the demo organization has no executions: seed the database before running e2e");
    return rows[0];
  } finally {
    await client.end();
  }
}

test("home page lists the demo organization's latest executions", async ({ signInAs }) => {
  const page = await signInAs("VIEWER");
  const newest = await newestDemoExecution();
  // a CSP that blocks Next's own scripts or styles shows up as console errors
  const consoleErrors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(err.message));
  // the landing page sends a member to their organization
  await page.goto("/");
  await page.waitForURL("**/o/demo/executions");

  await expect(page.getByRole("heading", { level: 1, name: "Executions" })).toBeVisible();
  const table = page.getByTestId("executions-table");
  await expect(table).toBeVisible();
  await expect(table.getByTestId("execution-row").first()).toBeVisible();

  const row = table.getByTestId("execution-row").first();
  await expect(row).toHaveAttribute("data-execution-id", newest.executionId);
  const badge = row.getByTestId("status-badge");
  await expect(badge).toHaveText(STATUS_LABELS[newest.status]);
  await expect(badge).toHaveAttribute("data-status", newest.status);

  // created reads "3 min ago", with the time in the viewer's zone and in UTC on hover
  await expect(row.locator("time").first()).toHaveText(/ago$|^just now$/);
  await expect(row.locator("time").first()).toHaveAttribute("title", /\(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\)$/);
  expect(consoleErrors).toEqual([]);
});

test("home page has no serious accessibility violations", async ({ signInAs }) => {
  const page = await signInAs("OPERATOR");
  await page.goto("/");
  await expect(page.getByTestId("execution-row").first()).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});

test("sign-in page has no serious accessibility violations", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});

test("responses carry the security headers", async ({ request }) => {
  // an anonymous visit ends on the sign-in page
  const res = await request.get("/");
  expect(res.status()).toBe(200);
  const headers = res.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
});

test("/api/health answers ok", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: "ok" });
});
