// Metrics, Workers-style. Each isolate (the Worker's, or a Durable Object's) keeps only *pending
// deltas* here; they are shipped in one batch to the singleton METRICS object (durable-objects/metrics)
// which keeps the durable totals. Recording is a Map update (never I/O); shipping happens off the hot
// path through waitUntil, every FLUSH_EVERY records or FLUSH_AFTER_MS, whichever comes first. An
// isolate evicted before its flush loses at most that many records: accepted for operational counters.
import { z } from "zod";

export const METRIC_PREFIX = "edgetrader_";

/** Histogram buckets in seconds (Prometheus defaults, trimmed to what a request or cycle can take). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Every metric family: the exposition prints HELP/TYPE from here, and refuses names not listed. */
export const METRIC_FAMILIES = {
  http_requests_total: {
    type: "counter",
    help: "HTTP requests answered by the Worker, by matched route, method and status.",
  },
  http_request_duration_seconds: {
    type: "histogram",
    help: "Worker request latency by matched route (wall time inside the Worker).",
  },
  cycles_total: { type: "counter", help: "Bot cycles by outcome." },
  cycle_skips_total: { type: "counter", help: "Skipped bot cycles by reason." },
  cycle_duration_seconds: { type: "histogram", help: "Bot cycle duration." },
  trades_total: { type: "counter", help: "Trades executed, by kind." },
  errors_total: {
    type: "counter",
    help: "Errors by kind (http_5xx counted by the Worker; others reported by callers).",
  },
  connectors_connected: { type: "gauge", help: "Connectors currently connected (sum over users)." },
} as const satisfies Record<string, { type: "counter" | "gauge" | "histogram"; help: string }>;
export type MetricFamily = keyof typeof METRIC_FAMILIES;

const LABEL_VALUE_MAX = 80;
/** Label values come from code, but reasons/kinds may echo input: cap length and strip control chars. */
export function cleanLabel(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, LABEL_VALUE_MAX) || "none";
}

/** One batch shipped to the METRICS object: counter deltas (histograms arrive as their bucket/sum/count counters) and gauge sets. */
export const MetricsBatchSchema = z.object({
  counters: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z_]{1,64}$/),
        labels: z.record(z.string().regex(/^[a-z_]{1,32}$/), z.string().max(LABEL_VALUE_MAX)),
        delta: z.number().finite().nonnegative(),
      }),
    )
    .max(5000),
  gauges: z
    .array(
      z.object({ name: z.string().regex(/^[a-z_]{1,64}$/), member: z.string().max(128), value: z.number().finite() }),
    )
    .max(5000),
});
export type MetricsBatch = z.infer<typeof MetricsBatchSchema>;
type Labels = Record<string, string>;

/**
 * A batch is due after this many observations (one request = one counter + one histogram
 * observation), or FLUSH_AFTER_MS after the last. Counting observations, not expanded counter
 * series, matters: a latency observation is 14 series, and counting those shipped a batch (an RPC
 * to the METRICS object) every ~3 requests, which halved the Worker's throughput (bench/api-throughput).
 */
const FLUSH_EVERY = 500;
const FLUSH_AFTER_MS = 10_000;

/** One histogram series: per-bucket counts (not yet cumulative) in LATENCY_BUCKETS order, then +Inf. */
interface Histogram {
  family: string;
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

function cleanLabels(labels: Labels): Labels {
  const clean: Labels = {};
  for (const k of Object.keys(labels).sort()) clean[k] = cleanLabel(labels[k]!);
  return clean;
}

/** Pending deltas of this isolate. Exported class so tests can use a private instance. */
export class MetricsRegistry {
  private counters = new Map<string, { name: string; labels: Labels; delta: number }>();
  private histograms = new Map<string, Histogram>();
  private gauges = new Map<string, { name: string; member: string; value: number }>();
  private records = 0;
  private lastFlush = Date.now();

  inc(name: string, labels: Labels = {}, delta = 1): void {
    this.add(name, cleanLabels(labels), delta);
    this.records++;
  }

  private add(name: string, clean: Labels, delta: number): void {
    const key = `${name}${JSON.stringify(clean)}`;
    const cur = this.counters.get(key);
    if (cur) cur.delta += delta;
    else this.counters.set(key, { name, labels: clean, delta });
  }

  /** Histogram observation: shipped as cumulative buckets + sum + count, all plain counters (see take). */
  observe(family: string, labels: Labels, seconds: number): void {
    const clean = cleanLabels(labels);
    const key = `${family}${JSON.stringify(clean)}`;
    let h = this.histograms.get(key);
    if (!h) {
      h = { family, labels: clean, buckets: new Array(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.histograms.set(key, h);
    }
    const i = LATENCY_BUCKETS.findIndex((le) => seconds <= le);
    h.buckets[i === -1 ? LATENCY_BUCKETS.length : i]! += 1;
    h.sum += Math.max(0, seconds);
    h.count += 1;
    this.records++;
  }

  setGauge(name: string, member: string, value: number): void {
    this.gauges.set(`${name}\u0000${member}`, { name, member: member.slice(0, 128), value });
    this.records++;
  }

  /** Observations recorded since the last take. */
  get pending(): number {
    return this.records;
  }

  due(now = Date.now()): boolean {
    return this.records >= FLUSH_EVERY || (this.records > 0 && now - this.lastFlush >= FLUSH_AFTER_MS);
  }

  /** Hands over the pending deltas and starts a new batch. */
  take(now = Date.now()): MetricsBatch | null {
    this.lastFlush = now;
    if (this.records === 0) return null;
    for (const h of this.histograms.values()) this.expand(h);
    const batch: MetricsBatch = { counters: [...this.counters.values()], gauges: [...this.gauges.values()] };
    this.counters = new Map();
    this.histograms = new Map();
    this.gauges = new Map();
    this.records = 0;
    return batch;
  }

  /** Prometheus histogram series as counters: `_bucket{le}` cumulative, `_sum`, `_count`. */
  private expand(h: Histogram): void {
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += h.buckets[i]!;
      if (cumulative > 0) this.add(`${h.family}_bucket`, cleanLabels({ ...h.labels, le: String(le) }), cumulative);
    });
    this.add(`${h.family}_bucket`, cleanLabels({ ...h.labels, le: "+Inf" }), h.count);
    this.add(`${h.family}_sum`, h.labels, h.sum);
    this.add(`${h.family}_count`, h.labels, h.count);
  }

  /** A failed shipment goes back into the pending deltas (merged with anything recorded since). */
  restore(batch: MetricsBatch): void {
    for (const c of batch.counters) this.inc(c.name, c.labels, c.delta);
    for (const g of batch.gauges)
      if (!this.gauges.has(`${g.name}\u0000${g.member}`)) this.setGauge(g.name, g.member, g.value);
  }
}

/** The isolate's registry (module state: one per isolate, which is the point). */
export const metrics = new MetricsRegistry();

// ---- recording API (for the Worker, the engine, the connector link) ----

export function recordHttp(route: string, method: string, status: number, ms: number): void {
  metrics.inc("http_requests_total", { route, method, status: String(status) });
  metrics.observe("http_request_duration_seconds", { route }, ms / 1000);
  if (status >= 500) metrics.inc("errors_total", { kind: "http_5xx" });
}

/** One bot cycle. outcome e.g. "traded" | "held" | "skipped" | "failed"; reason names why it skipped (or failed). */
export function recordCycle(outcome: string, reason?: string, durationMs?: number): void {
  metrics.inc("cycles_total", { outcome });
  if (outcome === "skipped") metrics.inc("cycle_skips_total", { reason: reason ?? "unspecified" });
  if (durationMs !== undefined && Number.isFinite(durationMs))
    metrics.observe("cycle_duration_seconds", {}, durationMs / 1000);
}

export function recordTrade(kind = "paper"): void {
  metrics.inc("trades_total", { kind });
}

export function recordError(kind: string): void {
  metrics.inc("errors_total", { kind });
}

/** Connector state of one user (member = user id; exposed only as the sum, never per user). */
export function setConnectorState(userId: string, connected: boolean): void {
  metrics.setGauge("connectors_connected", userId, connected ? 1 : 0);
}

// ---- shipping ----

/** The part of Env this module needs (so Durable Objects can pass their env too). */
export interface MetricsEnv {
  METRICS: DurableObjectNamespace<MetricsRpc>;
}

/** The METRICS object as its callers see it (durable-objects/metrics/metrics-object.ts implements it). */
export interface MetricsRpc extends Rpc.DurableObjectBranded {
  ingest(batch: MetricsBatch): { dropped: number };
  exposition(): string;
}

/** Content type of the Prometheus text the METRICS object renders. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export const metricsObject = (env: MetricsEnv) => env.METRICS.get(env.METRICS.idFromName("global"));

/** Ships the pending batch now (awaited). On failure the deltas are kept for the next try. */
export async function flushMetrics(env: MetricsEnv): Promise<void> {
  const batch = metrics.take();
  if (!batch) return;
  try {
    await metricsObject(env).ingest(batch);
  } catch (err) {
    metrics.restore(batch);
    throw err;
  }
}

/** Call after recording: ships in the background (waitUntil) when a batch is due; never blocks the caller. */
export function maybeFlushMetrics(env: MetricsEnv, waitUntil: (p: Promise<unknown>) => void): void {
  if (!metrics.due()) return;
  waitUntil(
    flushMetrics(env).catch((err: unknown) =>
      console.warn(JSON.stringify({ level: "warn", msg: "metrics flush failed", error: String(err) })),
    ),
  );
}
