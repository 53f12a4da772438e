import { getWorkflowRoute, patchWorkflowRoute, putWorkflowRoute } from "@/server/http/v1/workflows";

export const dynamic = "force-dynamic";
export const GET = getWorkflowRoute;
export const PATCH = patchWorkflowRoute;
export const PUT = putWorkflowRoute;
