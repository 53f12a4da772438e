// ESLint rule: no import cycles between capabilities. A capability is a folder under server/
// (server/alerts, server/delivery, …; a lone file such as server/config.ts is its own). The rule
// builds the capability graph from every runtime import under server/ once per lint run and
// reports each import whose two capabilities sit on a common cycle, naming the cycle.
// Type-only imports are left out: they are erased at compile time, so they order nothing at run
// time. File-level cycles inside one capability are allowed (they are one module in all but name).
import fs from "node:fs";
import path from "node:path";

const SERVER = "server";
const SKIP = new Set(["generated"]);
const IMPORT = /(?:^|\n)\s*(?:import|export)(?!\s+type\b)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** "server/alerts/service.ts" → "alerts"; "server/config.ts" → "config"; else null. */
export function capabilityOf(relPath) {
  const parts = relPath.split(/[\\/]/);
  if (parts[0] !== SERVER || parts.length < 2) return null;
  return parts.length > 2 ? parts[1] : parts[1].replace(/\.(ts|tsx|js|mjs)$/, "");
}

function resolveSpecifier(fromRel, spec) {
  if (spec.startsWith("@/")) return spec.slice(2);
  if (spec.startsWith(".")) return path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), spec));
  return null;
}

function listFiles(root, dir, out) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(root, rel, out);
    else if (/\.(ts|tsx)$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** The capability graph of the tree at root: Map<capability, Set<capability>>. */
export function capabilityGraph(root) {
  const graph = new Map();
  for (const file of listFiles(root, SERVER, [])) {
    const from = capabilityOf(file);
    const src = fs.readFileSync(path.join(root, file), "utf8");
    for (const m of src.matchAll(IMPORT)) {
      const target = resolveSpecifier(file, m[1] ?? m[2]);
      const to = target && capabilityOf(target);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from).add(to);
    }
  }
  return graph;
}

/** A shortest path from → … → to in the graph, or null. */
function pathBetween(graph, from, to) {
  const prev = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift();
    if (node === to) {
      const out = [];
      for (let n = to; n !== null; n = prev.get(n)) out.unshift(n);
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

const graphs = new Map();

const rule = {
  meta: {
    type: "problem",
    docs: { description: "forbid import cycles between server capabilities (folders under server/)" },
    messages: { cycle: "capability cycle {{cycle}}: move the shared piece down a layer (see CONTRIBUTING.md)" },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const rel = path.relative(root, context.filename).split(path.sep).join("/");
    const from = capabilityOf(rel);
    if (!from) return {};
    if (!graphs.has(root)) graphs.set(root, capabilityGraph(root));
    const graph = graphs.get(root);
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
