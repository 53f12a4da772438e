import { methods } from "@/server/http/api";
import { postEvents } from "@/server/http/v1/events";

export const dynamic = "force-dynamic";
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = methods({ POST: postEvents });
