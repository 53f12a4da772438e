import { getOpenApiRoute } from "@/server/http/v1/openapi";

export const dynamic = "force-dynamic";
export const GET = getOpenApiRoute;
