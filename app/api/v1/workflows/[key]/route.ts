import { methods } from "@/server/http/api";
import { getWorkflowRoute, patchWorkflowRoute, putWorkflowRoute } from "@/server/http/v1/workflows";

export const dynamic = "force-dynamic";
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = methods({ GET: getWorkflowRoute, PATCH: patchWorkflowRoute, PUT: putWorkflowRoute });
