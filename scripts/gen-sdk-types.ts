// Writes sdk/src/api-types.ts from the server's wire schemas (server/openapi/sdk-types.ts).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { renderSdkTypes } from "../server/openapi/sdk-types";

const target = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../sdk/src/api-types.ts");
writeFileSync(target, renderSdkTypes());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
