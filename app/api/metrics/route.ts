import { config } from "@/server/config";
import { metrics } from "@/server/metrics/prometheus";

export const dynamic = "force-dynamic";

// Prometheus scrape endpoint. It exposes operational figures only (no tenant data); restrict
// it at the network edge, or set RUNWATCH_METRICS_TOKEN to require `Authorization: Bearer <token>`.
export async function GET(req: Request): Promise<Response> {
  const token = config().RUNWATCH_METRICS_TOKEN;
  if (token && req.headers.get("authorization") !== `Bearer ${token}`) {
    return new Response("unauthorized\n", { status: 401 });
  }
  const { registry } = metrics();
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}
