// ESLint rule: no import cycles between capabilities. A capability is a folder under server/
// (server/alerts, server/delivery, …; a lone file such as server/config.ts is its own). The rule
// builds the capability graph from every runtime import under server/ once per lint run and
// reports each import whose two capabilities sit on a common cycle, naming the cycle.
// Type-only imports are left out: they are erased at compile time, so they order nothing at run
// time. File-level cycles inside one capability are allowed (they are one module in all but name).
// To fix a report, move what both sides need into the lower one (or a new small module with no
// capability imports, as server/net and server/paging are), never re-export to hide the edge.
import fs from "node:fs";
import path from "node:path";

/** @typedef {Map<string, Set<string>>} Graph capability → the capabilities it imports at run time */

const SERVER = "server";
const SKIP = new Set(["generated"]);
const IMPORT = /(?:^|\n)\s*(?:import|export)(?!\s+type\b)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** "server/alerts/service.ts" → "alerts"; "server/config.ts" → "config"; else null. */
/** @param {string} relPath @returns {string | null} */
export function capabilityOf(relPath) {
  const [root, name, ...rest] = relPath.split(/[\\/]/);
  if (root !== SERVER || name === undefined) return null;
  return rest.length ? name : name.replace(/\.(ts|tsx|js|mjs)$/, "");
}

/** @param {string} fromRel @param {string} spec @returns {string | null} */
function resolveSpecifier(fromRel, spec) {
  if (spec.startsWith("@/")) return spec.slice(2);
  if (spec.startsWith(".")) return path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), spec));
  return null;
}

/** @param {string} root @param {string} dir @param {string[]} out @returns {string[]} */
function listFiles(root, dir, out) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(root, rel, out);
    else if (/\.(ts|tsx)$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** The capability graph of the tree at root. @param {string} root @returns {Graph} */
export function capabilityGraph(root) {
  /** @type {Graph} */
  const graph = new Map();
  for (const file of listFiles(root, SERVER, [])) {
    const from = /** @type {string} */ (capabilityOf(file));
    const src = fs.readFileSync(path.join(root, file), "utf8");
    for (const m of src.matchAll(IMPORT)) {
      const target = resolveSpecifier(file, m[1] ?? m[2] ?? "");
      const to = target && capabilityOf(target);
      if (!to || to === from) continue;
      const edges = graph.get(from) ?? new Set();
      edges.add(to);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** A shortest path from → … → to in the graph, or null. @param {Graph} graph @param {string} from @param {string} to @returns {string[] | null} */
function pathBetween(graph, from, to) {
  /** @type {Map<string, string | null>} */
  const prev = new Map([[from, null]]);
  const queue = [from];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    if (node === to) {
      const out = [];
      for (let n = /** @type {string | null | undefined} */ (to); n; n = prev.get(n)) out.unshift(n);
      return out;
    }
    for (const next of graph.get(node) ?? []) {
      if (prev.has(next)) continue;
      prev.set(next, node);
      queue.push(next);
    }
  }
  return null;
}

/** @type {Map<string, Graph>} */
const graphs = new Map();

const rule = {
  meta: {
    type: "problem",
    docs: { description: "forbid import cycles between server capabilities (folders under server/)" },
    messages: { cycle: "capability cycle {{cycle}}: move the shared piece down a layer (eslint-rules/capability-cycles.mjs says how)" },
    schema: [],
  },
  /** @param {import("eslint").Rule.RuleContext} context */
  create(context) {
    const root = context.cwd;
    const rel = path.relative(root, context.filename).split(path.sep).join("/");
    const from = capabilityOf(rel);
    if (!from) return {};
    const graph = graphs.get(root) ?? capabilityGraph(root);
    graphs.set(root, graph);
    /** @param {any} node an import or export declaration, or an import() expression */
    const check = (node) => {
      if (node.importKind === "type" || node.exportKind === "type" || !node.source) return;
      const target = resolveSpecifier(rel, String(node.source.value));
      const to = target && capabilityOf(target);
      if (!to || to === from) return;
      const back = pathBetween(graph, to, from);
      if (back) context.report({ node, messageId: "cycle", data: { cycle: [from, ...back].join(" → ") } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default rule;
