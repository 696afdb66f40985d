#!/usr/bin/env node
// The import check run by `npm run lint`: dependency-cruiser's rules (.dependency-cruiser.cjs: no
// circles, layers one way) plus circles between folders (core/market -> core/protocol -> core/market
// is a circle a reader meets even when no two files import each other). Exit 1 on any violation.
// Usage: node scripts/check-imports.mjs [root]   (root defaults to the repository; tests pass a copy)
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { cruise } from "dependency-cruiser";

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, ".."));
const SCANNED = ["core", "platform", "worker", "durable-objects", "connector", "models", "scripts", "bench", "test"];

/** The folder a module counts in for folder circles: core/<area>, otherwise its top folder. */
export function folderOf(file) {
  const parts = file.split("/");
  return parts[0] === "core" && parts.length > 2 ? `core/${parts[1]}` : parts[0];
}

/** Strongly connected folders (Tarjan): every group of 2+ folders that import each other in a ring. */
export function folderCircles(edges) {
  const graph = new Map();
  for (const [a, b] of edges) {
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    if (a !== b) graph.get(a).add(b);
  }
  let index = 0;
  const idx = new Map(),
    low = new Map(),
    stack = [],
    on = new Set(),
    out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const isTest = (f) => /\.test\.ts$/.test(f) || f.startsWith("test/") || f.startsWith("bench/");

async function main() {
  process.chdir(root);
  const config = createRequire(import.meta.url)(path.join(root, ".dependency-cruiser.cjs"));
  const present = SCANNED.filter((d) => existsSync(path.join(root, d)));
  const result = await cruise(present, {
    ...config.options,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    outputType: "json",
  });
  const report = JSON.parse(result.output);
  const problems = report.summary.violations.map(
    (v) =>
      `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name ?? c).join(" -> ")})` : ""}`,
  );

  // Folder circles among deployed code (tests and bench import everything by design).
  const edges = [];
  for (const m of report.modules) {
    if (isTest(m.source) || m.coreModule || m.couldNotResolve) continue;
    for (const d of m.dependencies) {
      if (d.coreModule || d.couldNotResolve || d.resolved.includes("node_modules") || isTest(d.resolved)) continue;
      const [a, b] = [folderOf(m.source), folderOf(d.resolved)];
      if (a !== b) edges.push([a, b, `${m.source} -> ${d.resolved}`]);
    }
  }
  for (const scc of folderCircles(edges)) {
    const inRing = edges.filter(([a, b]) => scc.includes(a) && scc.includes(b)).map(([, , why]) => why);
    problems.push(`folder-circle: ${scc.join(" <-> ")}\n    ${inRing.join("\n    ")}`);
  }

  if (problems.length > 0) {
    console.error(`import check: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(
    `import check: ok (${report.summary.totalCruised} modules, ${report.summary.totalDependenciesCruised} imports; layers one way, no circles)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
