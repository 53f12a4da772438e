import { projectRoot } from "../../db/migrate";
import { saveDemoCredentials } from "../../demo/credentials";
import { DEMO_LOGINS, DEMO_ORG_SLUG, demoExists, seedDemo } from "../../demo/seed";
import { parseCommandArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch seed-demo [--json]";

export const seedDemoCommand: Command = {
  path: ["seed-demo"],
  usage,
  summary: "create the demo organization with users, an API key, workflows and a week of executions",
  async run(argv) {
    const { values } = parseCommandArgs(argv, {}, usage);
    // seeding twice would double the demo; an existing demo is left as it is
    if (await demoExists()) {
      return {
        lines: [`The demo organization "${DEMO_ORG_SLUG}" already exists; nothing to do.`],
        json: { seeded: false, org: DEMO_ORG_SLUG },
      };
    }
    const progress = values.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);
    const started = Date.now();
    const result = await seedDemo({ onProgress: progress });
    await saveDemoCredentials(projectRoot, { orgSlug: DEMO_ORG_SLUG, apiKey: result.apiKey, logins: DEMO_LOGINS });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return {
      lines: [
        `Seeded "${DEMO_ORG_SLUG}" in ${seconds}s: ${result.workflows} workflows, ${result.executions} executions, ${result.events} events`,
        ...result.logins.map((l) => `  ${l.role.padEnd(14)} ${l.email} / ${l.password}`),
        `  API key        ${result.apiKey}`,
      ],
      json: {
        seeded: true,
        org: DEMO_ORG_SLUG,
        orgId: result.orgId,
        apiKey: result.apiKey,
        logins: result.logins,
        workflows: result.workflows,
        executions: result.executions,
        events: result.events,
        outcomes: result.outcomes,
      },
    };
  },
};
