import { databaseAnswers } from "@/server/health/service";

export const dynamic = "force-dynamic";

export async function GET() {
  const ok = await databaseAnswers();
  return Response.json(ok ? { status: "ok" } : { status: "unavailable" }, { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
