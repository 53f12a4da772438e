// GET and PATCH /api/v1/workflows/{key}
import { recordAudit } from "../../audit/service";
import { describeIssues } from "../../ingest/event-schema";
import { getWorkflow, updateWorkflow, workflowPatchSchema } from "../../workflows/service";
import { HttpError, json, readJson, requestMeta, requireApiKey, route } from "../api";

type KeyParams = { key: string };

export const getWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const { orgId } = await requireApiKey(req);
  const workflow = await getWorkflow(orgId, key);
  if (!workflow) throw new HttpError(404, `workflow "${key}" not found`);
  return json(workflow);
});

export const patchWorkflowRoute = route<KeyParams>("/api/v1/workflows/:key", async (req, { key }) => {
  const principal = await requireApiKey(req);
  const parsed = workflowPatchSchema.safeParse(await readJson(req));
  if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error));
  const changed = await updateWorkflow(principal.orgId, key, parsed.data);
  if (!changed) throw new HttpError(404, `workflow "${key}" not found`);
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
