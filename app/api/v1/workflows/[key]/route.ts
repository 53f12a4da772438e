import { V1_ROUTES } from "@/server/http/v1/routes";

export const dynamic = "force-dynamic";
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = V1_ROUTES.workflow.handlers;
