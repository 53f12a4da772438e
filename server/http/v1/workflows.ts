// GET, PATCH and PUT /api/v1/workflows/{key}. PATCH changes a known workflow; PUT, with the same
// body, also creates it when it is new, so thresholds apply from its first execution. Both audited in their own transaction (server/rbac/audited.ts).
import { describeIssues } from "../../ingest/event-schema";
import { getWorkflow, putWorkflow, updateWorkflow, workflowBodySchema, workflowKeySchema, workflowPatchSchema } from "../../workflows/service";
import { BadRequestError, NotFoundError } from "../../errors";
import { apiKeyContext, json, readJson, requireApiKey, route } from "../api";

type KeyParams = { key: string };

const workflowNotFound = (key: string) => new NotFoundError(`workflow "${key}" not found`, { apiCode: "WORKFLOW_NOT_FOUND" });

export const getWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const workflow = await getWorkflow(apiKeyContext(req, await requireApiKey(req)), { key });
  if (!workflow) throw workflowNotFound(key);
  return json(workflow);
});

export const patchWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const principal = await requireApiKey(req);
  const parsed = workflowPatchSchema.safeParse(await readJson(req));
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error), { apiCode: "INVALID_BODY" });
  const changed = await updateWorkflow(apiKeyContext(req, principal), { key, patch: parsed.data });
  if (!changed) throw workflowNotFound(key);
  return json(changed.after);
});

export const putWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const principal = await requireApiKey(req);
  const validKey = workflowKeySchema.safeParse(key);
  if (!validKey.success) throw new BadRequestError(describeIssues(validKey.error), { apiCode: "INVALID_PATH" });
  const parsed = workflowBodySchema.safeParse(await readJson(req));
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error), { apiCode: "INVALID_BODY" });
  const written = await putWorkflow(apiKeyContext(req, principal), { key, body: parsed.data });
  return json(written.after);
});
