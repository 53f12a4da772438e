import { methods } from "@/server/http/api";
import { listEventsRoute } from "@/server/http/v1/executions";

export const dynamic = "force-dynamic";
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = methods({ GET: listEventsRoute });
