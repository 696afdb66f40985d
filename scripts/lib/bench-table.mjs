// One row of docs/PERFORMANCE.md's generated table, shared by scripts/bench.mjs (which writes it)
// and test/node/docs-truth.test.ts (which checks the doc still says what bench/results holds).

/** Numbers as the table prints them: thousands grouped, otherwise two decimals at most. */
export function fmt(v) {
  if (typeof v !== "number") return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return String(Math.round(v * 100) / 100);
}

/** `r` is one normalized result: { metric, value, unit, target?, targetOp?, pass? }. */
export function resultRow(name, r) {
  const target = r.target !== undefined ? `${r.targetOp} ${fmt(r.target)} ${r.unit}` : "-";
  const verdict = r.pass === undefined ? "-" : r.pass ? "pass" : "**fail**";
  return `| ${name} | ${r.metric} | ${fmt(r.value)} ${r.unit} | ${target} | ${verdict} |`;
}
