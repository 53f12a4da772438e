// Seeds the demo organization: users for every role, an API key, and a week of executions
// written through the ingestion service, so counters, timelines and hourly aggregates are
// exactly what real traffic would have produced.
import { createApiKey } from "../apikeys/service";
import { systemContext } from "../context";
import { ingestEvents, type IngestOutcome } from "../ingest/service";
import { createOrg, findOrgBySlug } from "../orgs/service";
import { updateWorkflow } from "../workflows/service";
import { addMembership, createUser, findUserByEmail, setPlatformAdmin, type MemberRole } from "../users/service";
import { DEMO_WORKFLOWS, buildDemoScenario } from "./scenario";

export const DEMO_ORG_SLUG = "demo";
export const DEMO_ORG_NAME = "Demo Org";

export type DemoLogin = { email: string; password: string; role: MemberRole | "PLATFORM_ADMIN" };

// Passwords are printed on every start: this is a demo on the operator's own machine.
export const DEMO_MEMBERS: (DemoLogin & { role: MemberRole })[] = (["VIEWER", "OPERATOR", "ADMIN", "OWNER"] as const).map((role) => ({
  email: `${role.toLowerCase()}@demo.runwatch.dev`,
  password: `runwatch-${role.toLowerCase()}`,
  role,
}));

export const DEMO_PLATFORM_ADMIN: DemoLogin = { email: "admin@runwatch.dev", password: "runwatch-platform-admin", role: "PLATFORM_ADMIN" };

export const DEMO_LOGINS: DemoLogin[] = [...DEMO_MEMBERS, DEMO_PLATFORM_ADMIN];

const INGEST_BATCH_SIZE = 1000;

export type DemoSeedResult = {
  orgId: string;
  apiKey: string;
  logins: DemoLogin[];
  workflows: number;
  executions: number;
  events: number;
  outcomes: Record<IngestOutcome, number>;
};

export async function demoExists(): Promise<boolean> {
  return (await findOrgBySlug(DEMO_ORG_SLUG)) !== null;
}

/** An existing user (from an earlier demo in this database, or created by hand) is reused. */
async function ensureUser(login: DemoLogin, isPlatformAdmin: boolean) {
  const existing = await findUserByEmail(login.email);
  if (!existing) return createUser({ email: login.email, password: login.password, isPlatformAdmin });
  if (isPlatformAdmin && !existing.isPlatformAdmin) await setPlatformAdmin(existing.id, true);
  return existing;
}

export type SeedDemoOptions = { now?: Date; executions?: number; onProgress?: (line: string) => void };

/** Seeds the demo; fails with a clear message when the demo organization already exists. */
export async function seedDemo(options: SeedDemoOptions = {}): Promise<DemoSeedResult> {
  const progress = options.onProgress ?? (() => {});
  const now = options.now ?? new Date();
  if (await demoExists()) throw new Error(`the demo organization "${DEMO_ORG_SLUG}" already exists; nothing seeded`);

  const org = await createOrg({ slug: DEMO_ORG_SLUG, name: DEMO_ORG_NAME }, "demo seed");
  for (const member of DEMO_MEMBERS) {
    const user = await ensureUser(member, false);
    await addMembership(org.id, user.id, member.role);
  }
  await ensureUser(DEMO_PLATFORM_ADMIN, true);
  const owner = await findUserByEmail(DEMO_MEMBERS.find((m) => m.role === "OWNER")!.email);
  const seeder = systemContext(org.id, "demo seed");
  const apiKey = await createApiKey(seeder, { name: "Demo key", createdByUserId: owner?.id ?? null });

  const scenario = buildDemoScenario({ now, executions: options.executions });
  const outcomes: Record<IngestOutcome, number> = { applied: 0, duplicate: 0, stale: 0, rejected: 0, deferred: 0, invalid: 0 };
  for (let start = 0; start < scenario.events.length; start += INGEST_BATCH_SIZE) {
    const batch = scenario.events.slice(start, start + INGEST_BATCH_SIZE);
    // receivedAt is "now" for every batch, as if an engine had just replayed its history
    const results = await ingestEvents({ orgId: org.id }, { events: batch, receivedAt: now });
    for (const r of results) outcomes[r.outcome]++;
    progress(`  events ${Math.min(start + INGEST_BATCH_SIZE, scenario.events.length)}/${scenario.events.length}`);
  }
  if (outcomes.invalid > 0) throw new Error(`the demo scenario produced ${outcomes.invalid} invalid event(s); this is a bug in server/demo/scenario.ts`);

  // names and per-workflow thresholds are not part of events: set them as an operator would,
  // audited like any workflow change
  for (const w of DEMO_WORKFLOWS) {
    await updateWorkflow(seeder, { key: w.key, patch: { name: w.name, stuckRunningAfterSeconds: w.stuckRunningAfterSeconds ?? null } });
  }
  return {
    orgId: org.id,
    apiKey: apiKey.key,
    logins: DEMO_LOGINS,
    workflows: DEMO_WORKFLOWS.length,
    executions: scenario.executionCount,
    events: scenario.events.length,
    outcomes,
  };
}
