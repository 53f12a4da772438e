// GET and PATCH /api/v1/workflows/{key}
import { recordAudit } from "../../audit/service";
import { describeIssues } from "../../ingest/event-schema";
import { getWorkflow, updateWorkflow, workflowPatchSchema } from "../../workflows/service";
import { BadRequestError, NotFoundError } from "../../errors";
import { json, readJson, requestMeta, requireApiKey, route } from "../api";

type KeyParams = { key: string };

const workflowNotFound = (key: string) => new NotFoundError(`workflow "${key}" not found`, { apiCode: "WORKFLOW_NOT_FOUND" });

export const getWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const { orgId } = await requireApiKey(req);
  const workflow = await getWorkflow(orgId, key);
  if (!workflow) throw workflowNotFound(key);
  return json(workflow);
});

export const patchWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const principal = await requireApiKey(req);
  const parsed = workflowPatchSchema.safeParse(await readJson(req));
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error), { apiCode: "INVALID_BODY" });
  const changed = await updateWorkflow(principal.orgId, key, parsed.data);
  if (!changed) throw workflowNotFound(key);
  await recordAudit({
    orgId: principal.orgId,
    actor: { type: "API_KEY", apiKeyId: principal.apiKeyId, label: `API key ${principal.name}` },
    action: "workflow.update",
    resourceType: "workflow",
    resourceId: key,
    before: changed.before,
    after: changed.after,
    ...requestMeta(req),
    success: true,
  });
  return json(changed.after);
});
