// Renders the SDK's types (sdk/src/api-types.ts) from the wire schemas, through their JSON
// Schema: the SDK cannot drift from what the server validates and answers, and carries no zod.
// `npm run gen:sdk-types` writes the file; tests/unit/sdk-types.test.ts fails when it is stale.
import { z } from "zod";
import { SDK_TYPES } from "./schemas";

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  $defs?: Record<string, JsonSchema>;
};

const INDENT = "  ";

function render(s: JsonSchema, defs: Set<string>, depth: number): string {
  if (s.$ref) {
    const name = s.$ref.replace(/^#\/\$defs\//, "");
    defs.add(name);
    return name;
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map((u) => render(u, defs, depth)).join(" | ");
  if (s.allOf) return s.allOf.map((u) => render(u, defs, depth)).join(" & ");
  if (Array.isArray(s.type)) return s.type.map((t) => render({ ...s, type: t }, defs, depth)).join(" | ");
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return `Array<${s.items ? render(s.items, defs, depth) : "unknown"}>`;
    case "object": {
      const pad = INDENT.repeat(depth + 1);
      const required = new Set(s.required ?? []);
      const lines = Object.entries(s.properties ?? {}).map(([key, prop]) => {
        const doc = prop.description ? `${pad}/** ${prop.description} */\n` : "";
        return `${doc}${pad}${key}${required.has(key) ? "" : "?"}: ${render(prop, defs, depth + 1)};`;
      });
      if (s.additionalProperties && typeof s.additionalProperties === "object") {
        lines.push(`${pad}[key: string]: ${render(s.additionalProperties, defs, depth + 1)};`);
      }
      return lines.length ? `{\n${lines.join("\n")}\n${INDENT.repeat(depth)}}` : "Record<string, never>";
    }
    default:
      return "unknown";
  }
}

export function renderSdkTypes(): string {
  const out: string[] = [
    "// GENERATED from server/openapi/schemas.ts by `npm run gen:sdk-types`; do not edit.",
    "// tests/unit/sdk-types.test.ts fails when this file and the server's schemas differ.",
  ];
  const done = new Set<string>();
  const emit = (name: string, schema: JsonSchema, allDefs: Record<string, JsonSchema>) => {
    if (done.has(name)) return;
    done.add(name);
    const refs = new Set<string>();
    const body = render(schema, refs, 0);
    const doc = schema.description ? `/** ${schema.description} */\n` : "";
    out.push("", `${doc}export type ${name} = ${body};`);
    for (const ref of [...refs].sort()) if (allDefs[ref]) emit(ref, allDefs[ref]!, allDefs);
  };
  for (const schema of SDK_TYPES) {
    const name = z.globalRegistry.get(schema)?.id;
    if (!name) throw new Error("every schema in SDK_TYPES needs a meta id: it names the SDK's type");
    // what a client sends is the schema's input (defaults optional); what it reads, the output
    const io = name === "RunwatchEvent" ? "input" : "output";
    const json = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
    const { $defs = {}, ...root } = json;
    emit(name, root.$ref ? $defs[name]! : root, $defs);
  }
  return out.join("\n") + "\n";
}
