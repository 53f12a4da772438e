import { pool } from "@/server/db/client";

export const dynamic = "force-dynamic";

const TIMEOUT_MS = 2_000;

export async function GET() {
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("health check timed out")), TIMEOUT_MS);
    });
    try {
      await Promise.race([pool().query("SELECT 1"), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
  } catch {
    return Response.json({ status: "unavailable" }, { status: 503, headers: { "Cache-Control": "no-store" } });
  }
}
