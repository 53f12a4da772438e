// better-auth's own routes (/api/auth/sign-in/email, /api/auth/sign-out, /api/auth/get-session …).
// It checks the Origin of its POSTs itself and rate limits sign-in (server/auth/auth.ts).
import { auth } from "@/server/auth/auth";

export const dynamic = "force-dynamic";

// resolved per request, so a build without BETTER_AUTH_SECRET does not fail on import
function handler(req: Request) {
  return auth().handler(req);
}

export { handler as GET, handler as POST };
