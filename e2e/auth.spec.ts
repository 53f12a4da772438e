// Sign-in, roles and organizations in the browser: each role sees only the actions it may take,
// another organization's URL is a plain not-found page, and sign-out ends the session.
import { DEMO_ORG_SLUG, demoLogin, expect, test, withDb } from "./fixtures/auth";

const ACTIVE = ["PENDING", "SCHEDULED", "RUNNING", "WAITING"];
const activeRows = `[data-testid="execution-row"]:is(${ACTIVE.map((s) => `[data-status="${s}"]`).join(",")})`;
const terminalRows = `[data-testid="execution-row"]:not(${ACTIVE.map((s) => `[data-status="${s}"]`).join(",")})`;

test("the sign-in form: an unknown password is refused, the right one lands on the page asked for", async ({ page }) => {
  await page.goto(`/o/${DEMO_ORG_SLUG}/executions`);
  await page.waitForURL(/\/sign-in\?next=/);
  const { email, password } = demoLogin("VIEWER");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(`${password}-wrong`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong email or password.");

  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`**/o/${DEMO_ORG_SLUG}/executions`);
  await expect(page.getByRole("heading", { level: 1, name: "Executions" })).toBeVisible();
  await expect(page.getByTestId("nav-user")).toContainText(email);
});

test("a VIEWER sees the executions but no action, and the server refuses one anyway", async ({ signInAs, baseURL }) => {
  const page = await signInAs("VIEWER");
  await page.goto("/");
  await page.waitForURL(`**/o/${DEMO_ORG_SLUG}/executions`);
  await expect(page.getByTestId("execution-row").first()).toBeVisible();
  // the page does show active executions, so missing buttons are the role's doing
  await expect(page.locator(activeRows).first()).toBeVisible();
  await expect(page.getByRole("button", { name: /^Mark execution .* cancelled$/ })).toHaveCount(0);
  await expect(page.getByTestId("select-row")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Mark execution .* failed$/ })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Settings" })).toHaveCount(0);

  const executionId = await page.locator(activeRows).first().getAttribute("data-execution-id");
  const res = await page.request.post("/api/trpc/executions.cancel", {
    headers: { origin: baseURL!, "content-type": "application/json" },
    data: { json: { orgSlug: DEMO_ORG_SLUG, executionId, reason: "viewer trying" } },
  });
  expect(res.status()).toBe(403);
  // and the refusal is on the record
  const denied = await withDb(async (c) => {
    const { rows } = await c.query<{ success: boolean }>(
      `SELECT a.success FROM audit_logs a JOIN organizations o ON o.id = a."orgId"
        WHERE o.slug = $1 AND a.action = 'execution.cancel' AND a."resourceId" = $2 AND a."actorLabel" = $3`,
      [DEMO_ORG_SLUG, executionId, demoLogin("VIEWER").email],
    );
    return rows;
  });
  expect(denied).toEqual([{ success: false }]);
});

test("an OPERATOR may cancel an active execution, with a reason, and only active ones", async ({ signInAs }) => {
  const page = await signInAs("OPERATOR");
  await page.goto(`/o/${DEMO_ORG_SLUG}/executions`);
  await expect(page.getByTestId("execution-row").first()).toBeVisible();

  // terminal rows offer nothing
  const terminal = page.locator(terminalRows).first();
  await expect(terminal).toBeVisible();
  await expect(terminal.getByRole("button")).toHaveCount(0);

  const row = page.locator(activeRows).first();
  const executionId = (await row.getAttribute("data-execution-id"))!;
  await row.getByRole("button", { name: `Mark execution ${executionId} cancelled` }).click();
  const dialog = page.getByRole("dialog", { name: "Mark cancelled in Runwatch — your engine is not told" });
  await dialog.getByLabel(/Reason/).fill("e2e: stuck after the worker pool was drained");
  await dialog.getByRole("button", { name: "Mark cancelled", exact: true }).click();
  await expect(dialog).toBeHidden();

  const same = page.locator(`[data-testid="execution-row"][data-execution-id="${executionId}"]`);
  await expect(same.getByTestId("status-badge")).toHaveAttribute("data-status", "CANCELLED");
  await expect(same.getByRole("button")).toHaveCount(0);

  const audit = await withDb(async (c) => {
    const { rows } = await c.query<{ actorLabel: string; success: boolean; before: unknown; after: unknown }>(
      `SELECT a."actorLabel", a.success, a.before, a.after FROM audit_logs a JOIN organizations o ON o.id = a."orgId"
        WHERE o.slug = $1 AND a.action = 'execution.cancel' AND a."resourceId" = $2 AND a."actorLabel" = $3`,
      [DEMO_ORG_SLUG, executionId, demoLogin("OPERATOR").email],
    );
    return rows;
  });
  expect(audit).toEqual([{ actorLabel: demoLogin("OPERATOR").email, success: true, before: { status: expect.any(String) }, after: { status: "CANCELLED" } }]);
});

test("another organization's URL is a not-found page that names nothing", async ({ signInAs, foreignOrgSlug }) => {
  const page = await signInAs("OWNER");
  const res = await page.goto(`/o/${foreignOrgSlug}/executions`);
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.getByText("Someone Else Inc")).toHaveCount(0);

  // exactly like an organization that does not exist
  const missing = await page.goto(`/o/no-such-org-${foreignOrgSlug}/executions`);
  expect(missing?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
});

test("the organization switcher lists the user's memberships", async ({ signInAs }) => {
  const page = await signInAs("ADMIN");
  await page.goto(`/o/${DEMO_ORG_SLUG}/executions`);
  const switcher = page.getByTestId("org-switcher");
  await switcher.locator("summary").click();
  await expect(switcher.getByRole("list", { name: "Your organizations" }).getByRole("link")).toHaveText([/Demo Org\s*ADMIN/]);
  await expect(switcher.getByRole("link", { name: /Platform admin/ })).toHaveCount(0);
});

test("signing out ends the session", async ({ signInFresh }) => {
  const page = await signInFresh("VIEWER");
  await page.goto(`/o/${DEMO_ORG_SLUG}/executions`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/sign-in");
  await page.goto(`/o/${DEMO_ORG_SLUG}/executions`);
  await page.waitForURL(/\/sign-in\?next=%2Fo%2Fdemo%2Fexecutions/);
  // the old session is gone on the server too, not only its cookie
  const res = await page.request.get(`/api/trpc/session.me`);
  expect(res.status()).toBe(401);
});

test("tRPC refuses a cross-site mutation", async ({ signInAs }) => {
  const page = await signInAs("OPERATOR");
  const res = await page.request.post("/api/trpc/executions.cancel", {
    headers: { origin: "https://evil.example", "content-type": "application/json" },
    data: { json: { orgSlug: DEMO_ORG_SLUG, executionId: "x", reason: "csrf" } },
  });
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain("cross-site");
});

test("a sign-in posted from another site is refused", async ({ request }) => {
  const res = await request.post("/api/auth/sign-in/email", { headers: { origin: "https://evil.example" }, data: demoLogin("VIEWER") });
  expect(res.status()).toBe(403);
  expect(res.headers()["set-cookie"] ?? "").not.toContain("runwatch.session_token=");
});

test("an anonymous tRPC call is UNAUTHORIZED", async ({ request }) => {
  const input = encodeURIComponent(JSON.stringify({ json: { orgSlug: DEMO_ORG_SLUG } }));
  const res = await request.get(`/api/trpc/workflows.list?input=${input}`);
  expect(res.status()).toBe(401);
});
