// ESLint rule: hand-written SQL lives in a capability's queries.ts, defined once through
// server/db/sql.ts (defineQuery / defineCommand …) with a schema for its rows. Anywhere else, a
// `.query(...)` call whose first argument is not a function (tRPC's `.query(handler)` is) and any
// Prisma `$queryRaw` / `$executeRaw` is reported. Transaction control (BEGIN, COMMIT, ROLLBACK,
// SAVEPOINT, RELEASE) is not data access and may stay where the transaction is.
// The files that may run SQL directly: every `queries.ts`, the module that defines statements,
// and the migration runner (it executes migration files, which are SQL by definition).
const ALLOWED = [/(^|\/)queries\.ts$/, /(^|\/)server\/db\/sql\.ts$/, /(^|\/)server\/db\/migrate\.ts$/];
const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const RAW_PRISMA = new Set(["$queryRaw", "$queryRawUnsafe", "$executeRaw", "$executeRawUnsafe"]);

/** @param {import("estree").Node | undefined} node */
function literalText(node) {
  if (!node) return null;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis.map((q) => q.value.cooked).join("");
  return null;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "SQL only in a capability's queries.ts (server/db/sql.ts)" },
    messages: {
      raw: "SQL belongs in this capability's queries.ts, defined with server/db/sql.ts and a row schema; call the function it exports.",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename.replaceAll("\\", "/");
    if (ALLOWED.some((re) => re.test(file))) return {};
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== "MemberExpression" || callee.property.type !== "Identifier") return;
        const name = callee.property.name;
        if (RAW_PRISMA.has(name)) {
          context.report({ node, messageId: "raw" });
          return;
        }
        if (name !== "query") return;
        const first = node.arguments[0];
        if (!first || first.type === "ArrowFunctionExpression" || first.type === "FunctionExpression") return;
        const text = literalText(first);
        if (text !== null && CONTROL.test(text)) return;
        context.report({ node, messageId: "raw" });
      },
      TaggedTemplateExpression(node) {
        const tag = node.tag;
        if (tag.type === "MemberExpression" && tag.property.type === "Identifier" && RAW_PRISMA.has(tag.property.name)) context.report({ node, messageId: "raw" });
      },
    };
  },
};

export default rule;
