// Settings in the browser: an ADMIN creates an API key (shown once), sees it listed by its prefix
// and revokes it; a VIEWER is offered none of it; the page passes axe; and the audit page shows
// what happened, with its CSV export.
import AxeBuilder from "@axe-core/playwright";
import { DEMO_ORG_SLUG, expect, test } from "./fixtures/auth";

const settingsUrl = `/o/${DEMO_ORG_SLUG}/settings`;

test("an ADMIN creates an API key, sees it once, finds it listed by prefix and revokes it", async ({ signInAs }) => {
  const page = await signInAs("ADMIN");
  await page.goto(settingsUrl);
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  const name = `e2e key ${Date.now()}`;

  await page.getByLabel("New key name").fill(name);
  await page.getByRole("button", { name: "Create API key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toContainText("will not be shown again");
  await expect(shown.getByRole("button", { name: "Copy key" })).toBeVisible();
  const key = (await page.getByTestId("new-api-key-value").textContent())!.trim();
  expect(key).toMatch(/^rw_[A-Za-z0-9_-]{32,}$/);
  const prefix = key.slice(0, 10);

  const row = page.locator(`[data-testid="api-key-row"][data-prefix="${prefix}"]`);
  await expect(row).toContainText(name);
  await expect(row).toContainText(`${prefix}…`);
  await expect(row.locator("time").first()).toHaveAttribute("title", /UTC$/);

  // the key works on the HTTP API until it is revoked
  const before = await page.request.get("/api/v1/executions?limit=1", { headers: { authorization: `Bearer ${key}` } });
  expect(before.status()).toBe(200);

  // shown once: a reload lists the key by prefix only
  await page.reload();
  await expect(row).toBeVisible();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(key);

  await row.getByRole("button", { name: `Revoke API key ${name} (${prefix})` }).click();
  const dialog = page.getByTestId("revoke-api-key-dialog");
  await expect(dialog).toContainText(prefix);
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toHaveAttribute("data-revoked", "true");
  await expect(row).toContainText("Revoked");

  const after = await page.request.get("/api/v1/executions?limit=1", { headers: { authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);

  // both changes are on the audit log, newest first
  await page.goto(`/o/${DEMO_ORG_SLUG}/audit?action=api_key&resourceType=api_key`);
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-action", "api_key.revoke");
  await expect(page.getByTestId("audit-row").nth(1)).toHaveAttribute("data-action", "api_key.create");
  await expect(page.getByLabel("Action")).toHaveValue("api_key");
  const csv = await page.request.get(`/api/o/${DEMO_ORG_SLUG}/audit/export?action=api_key.revoke`);
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toMatch(/^id,at_utc,actor_type,actor,/);
  expect(text).toContain("admin@demo.runwatch.dev");
  expect(text).not.toContain(key);
});

test("a VIEWER is offered no settings actions", async ({ signInAs }) => {
  const page = await signInAs("VIEWER");
  await page.goto(`/o/${DEMO_ORG_SLUG}/executions`);
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Audit" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Settings" })).toHaveCount(0);

  // typing the URL shows an explanation, not controls
  await page.goto(settingsUrl);
  await expect(page.getByTestId("settings-not-allowed")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create API key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByLabel("New key name")).toHaveCount(0);
});

test("the settings and audit pages have no serious accessibility violations, and their controls are reachable by keyboard", async ({ signInAs }) => {
  const page = await signInAs("OWNER");
  for (const url of [settingsUrl, `/o/${DEMO_ORG_SLUG}/audit`]) {
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${url} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  }
  await page.goto(settingsUrl);
  await page.getByLabel("New key name").focus();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Create API key" })).toBeFocused();
});
