import { readiness } from "@/server/health/service";

export const dynamic = "force-dynamic";

export async function GET() {
  const r = await readiness();
  return Response.json({ status: r.ready ? "ready" : "not ready", ...r }, { status: r.ready ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
