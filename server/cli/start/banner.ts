// The lines `npm start` prints once the server answers: where to go and how to sign in.
import type { DemoLogin } from "../../demo/seed";

export type BannerInput = { url: string; logins: DemoLogin[]; apiKey: string | null; database: string; mode: "production" | "development" };

export function renderBanner({ url, logins, apiKey, database, mode }: BannerInput): string {
  const width = Math.max(...logins.map((l) => l.email.length));
  const lines = [
    "",
    "────────────────────────────────────────────────────────────────────────",
    `  Runwatch is running (${mode}) at ${url}`,
    `  Database: ${database}`,
    "",
    "  Demo sign-in (email / password):",
    ...logins.map((l) => `    ${l.role.padEnd(15)} ${l.email.padEnd(width)}  ${l.password}`),
    "",
    apiKey ? `  Demo API key (org "demo"): ${apiKey}` : "  Demo API key: not available",
    apiKey ? `    curl -H "Authorization: Bearer ${apiKey}" ${url}/api/v1/executions?limit=5` : "",
    "────────────────────────────────────────────────────────────────────────",
    "",
  ];
  return lines.join("\n");
}

/** A URL without its password, for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}
