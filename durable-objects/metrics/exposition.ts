// Prometheus text exposition format 0.0.4 (hand-written: it is a few lines, and no maintained
// Workers-compatible client library exists that would also accept our durable totals).
import { METRIC_FAMILIES, METRIC_PREFIX, type MetricFamily } from "../../platform/metrics";

export interface CounterRow {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface GaugeRow {
  name: string;
  value: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function formatLabels(labels: Record<string, string>): string {
  // `le` last, others sorted: stable output and the conventional bucket layout.
  const keys = Object.keys(labels)
    .filter((k) => k !== "le")
    .sort();
  if ("le" in labels) keys.push("le");
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(",")}}` : "";
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const SUFFIXES = ["_bucket", "_sum", "_count"] as const;
const leOrder = (le: string | undefined) => (le === "+Inf" ? Infinity : le === undefined ? -1 : Number(le));

/** Renders every known family: counters and histograms from counter rows, gauges summed over members. */
export function renderExposition(counters: CounterRow[], gauges: GaugeRow[]): string {
  const lines: string[] = [];
  for (const [family, def] of Object.entries(METRIC_FAMILIES) as [
    MetricFamily,
    (typeof METRIC_FAMILIES)[MetricFamily],
  ][]) {
    const full = METRIC_PREFIX + family;
    lines.push(`# HELP ${full} ${escapeHelp(def.help)}`, `# TYPE ${full} ${def.type}`);
    if (def.type === "gauge") {
      const sum = gauges.filter((g) => g.name === family).reduce((s, g) => s + g.value, 0);
      lines.push(`${full} ${formatValue(sum)}`);
      continue;
    }
    const names = def.type === "histogram" ? SUFFIXES.map((s) => family + s) : [family];
    const rows = counters
      .filter((r) => names.includes(r.name))
      .sort((a, b) => {
        // Group each label set together: buckets in ascending le, then _sum, _count.
        const ka = formatLabels({ ...a.labels, le: "" });
        const kb = formatLabels({ ...b.labels, le: "" });
        if (ka !== kb) return ka < kb ? -1 : 1;
        const sa = names.indexOf(a.name);
        const sb = names.indexOf(b.name);
        if (sa !== sb) return sa - sb;
        return leOrder(a.labels["le"]) - leOrder(b.labels["le"]);
      });
    for (const r of rows) lines.push(`${METRIC_PREFIX}${r.name}${formatLabels(r.labels)} ${formatValue(r.value)}`);
  }
  return `${lines.join("\n")}\n`;
}
