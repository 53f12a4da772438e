import { postEvents } from "@/server/http/v1/events";

export const dynamic = "force-dynamic";
export const POST = postEvents;
