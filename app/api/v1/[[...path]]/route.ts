// Any path under /api/v1 that names no route: a JSON 404 instead of Next's HTML page.
import { unknownRoute } from "@/server/http/api";

export const dynamic = "force-dynamic";
export { unknownRoute as GET, unknownRoute as HEAD, unknownRoute as POST, unknownRoute as PUT, unknownRoute as PATCH, unknownRoute as DELETE, unknownRoute as OPTIONS };
