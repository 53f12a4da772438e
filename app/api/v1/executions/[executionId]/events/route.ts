import { listEventsRoute } from "@/server/http/v1/executions";

export const dynamic = "force-dynamic";
export const GET = listEventsRoute;
