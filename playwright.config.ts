// Browser tests against a production build (`next build` first), served as `npm start` serves
// it: scripts/serve.ts, the REST API's front server with Next behind it. The database named by
// DATABASE_URL must be migrated and seeded with the demo organization: `npm test` provisions,
// migrates and seeds a throwaway one before it runs this suite.
import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: "list",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        headless: true,
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        },
      },
    },
  ],
  webServer: {
    command: `npx tsx scripts/serve.ts -p ${PORT} -H 127.0.0.1`,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      ...(process.env as Record<string, string>),
      NODE_ENV: "production",
      PORT: String(PORT),
      RUNWATCH_DB_POOL_SIZE: process.env.RUNWATCH_DB_POOL_SIZE ?? "5",
    },
  },
});
