// The isolate's pending metrics (platform/metrics.ts): a latency observation is one record however
// many series it ships as, and the batch it ships is the Prometheus histogram (cumulative buckets).
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS, MetricsRegistry } from "../../platform/metrics";

const series = (r: MetricsRegistry) =>
  Object.fromEntries((r.take()?.counters ?? []).map((c) => [`${c.name}${JSON.stringify(c.labels)}`, c.delta]));

describe("MetricsRegistry", () => {
  it("ships cumulative buckets, +Inf, sum and count for each histogram series", () => {
    const r = new MetricsRegistry();
    for (const s of [0.003, 0.02, 0.02, 0.7, 42]) r.observe("d", { route: "/x" }, s);
    const out = series(r);
    const bucket = (le: string) => out[`d_bucket${JSON.stringify({ le, route: "/x" })}`];
    expect(bucket("0.005")).toBe(1);
    expect(bucket("0.01")).toBe(1);
    expect(bucket("0.025")).toBe(3);
    expect(bucket("0.5")).toBe(3);
    expect(bucket("1")).toBe(4);
    expect(bucket(String(LATENCY_BUCKETS.at(-1)))).toBe(4);
    expect(bucket("+Inf")).toBe(5);
    expect(out[`d_count${JSON.stringify({ route: "/x" })}`]).toBe(5);
    expect(out[`d_sum${JSON.stringify({ route: "/x" })}`]).toBeCloseTo(42.743, 9);
  });

  it("counts one record per observation, so a batch is due after 500 requests, not after a few", () => {
    const r = new MetricsRegistry();
    for (let i = 0; i < 249; i++) {
      r.inc("http_requests_total", { route: "/health", method: "GET", status: "200" });
      r.observe("http_request_duration_seconds", { route: "/health" }, 0.001);
    }
    expect(r.pending).toBe(498);
    expect(r.due(Date.now())).toBe(false);
    r.inc("http_requests_total", { route: "/health", method: "GET", status: "200" });
    r.observe("http_request_duration_seconds", { route: "/health" }, 0.001);
    expect(r.due(Date.now())).toBe(true);
    expect(series(r)[`http_requests_total${JSON.stringify({ method: "GET", route: "/health", status: "200" })}`]).toBe(
      250,
    );
    expect(r.pending).toBe(0);
  });

  it("a failed shipment restored is merged with what was recorded since", () => {
    const r = new MetricsRegistry();
    r.observe("d", {}, 0.002);
    const batch = r.take()!;
    r.observe("d", {}, 0.002);
    r.restore(batch);
    expect(series(r)[`d_count{}`]).toBe(2);
  });
});
