// better-auth's own routes (/api/auth/sign-in/email, /api/auth/sign-out, /api/auth/get-session …),
// behind server/auth/handler.ts (client address, sign-in limit per account, boundary guard).
// better-auth checks the Origin of its POSTs itself and limits sign-in per address.
import { handleAuthRequest } from "@/server/auth/handler";

export const dynamic = "force-dynamic";

export { handleAuthRequest as GET, handleAuthRequest as POST };
