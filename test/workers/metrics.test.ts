import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { TriggerResponseSchema } from "../../core/protocol/portfolio-api";
import { installShippedModels, SHIPPED_ENSEMBLE } from "../../durable-objects/prediction";
import { flushMetrics, recordCycle, recordTrade, setConnectorState } from "../../platform/metrics";
import { newUser } from "./engine-fixtures";
import { api, authedFetch, tokenFor } from "./helpers";

const adminToken = () => tokenFor("admin-metrics", "admin");
const userToken = () => tokenFor("user-metrics");

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Strict parser for the text format: every line is HELP, TYPE or a well-formed sample; throws otherwise. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  expect(text.endsWith("\n")).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const sampleRe = new RegExp(`^(${NAME})(\\{(.*)\\})? (-?[0-9.e+-]+|NaN|\\+Inf|-Inf)$`);
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  for (const line of text.slice(0, -1).split("\n")) {
    const help = new RegExp(`^# HELP (${NAME}) .+$`).exec(line);
    if (help) continue;
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      expect(types.has(type[1]!)).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = sampleRe.exec(line);
    if (!m) throw new Error(`not exposition format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      labelRe.lastIndex = 0;
      let lm: RegExpExecArray | null;
      while (labelRe.lastIndex < m[3].length && (lm = labelRe.exec(m[3])))
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
      if (labelRe.lastIndex !== m[3].length) throw new Error(`bad labels: ${m[3]}`);
    }
    // Every sample belongs to a family declared above it.
    const family = [...types.keys()].find(
      (f) => m[1] === f || m[1] === `${f}_bucket` || m[1] === `${f}_sum` || m[1] === `${f}_count`,
    );
    if (!family) throw new Error(`sample before its TYPE: ${m[1]}`);
    samples.push({ name: m[1]!, labels, value: Number(m[4]!.replace("+Inf", "Infinity")) });
  }
  return { samples, types };
}

async function scrape() {
  const res = await api("/api/v1/metrics", { token: await adminToken() });
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("text/plain; version=0.0.4");
  return parseExposition(await res.text());
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

describe("GET /api/v1/metrics", () => {
  it("answers 401 without a token and 403 for a user token, with the error shape", async () => {
    const anon = await api("/api/v1/metrics");
    expect(anon.status).toBe(401);
    ApiErrorSchema.parse(await anon.json());
    const user = await api("/api/v1/metrics", { token: await userToken() });
    expect(user.status).toBe(403);
    expect(ApiErrorSchema.parse(await user.json()).error.code).toBe("forbidden");
  });

  it("serves valid exposition text with every family declared", async () => {
    const { types } = await scrape();
    for (const f of [
      "http_requests_total",
      "http_request_duration_seconds",
      "cycles_total",
      "cycle_skips_total",
      "trades_total",
      "errors_total",
      "connectors_connected",
    ]) {
      expect(types.has(`edgetrader_${f}`), f).toBe(true);
    }
    expect(types.get("edgetrader_http_request_duration_seconds")).toBe("histogram");
    expect(types.get("edgetrader_connectors_connected")).toBe("gauge");
  });

  it("counts requests by matched route and status, with a consistent latency histogram", async () => {
    const before = (await scrape()).samples;
    const route = { route: "/api/v1/health", method: "GET", status: "200" };
    for (let i = 0; i < 3; i++) expect((await api("/api/v1/health")).status).toBe(200);
    const missing = await api("/api/v1/ml/models/some-id-that-does-not-exist", { token: await userToken() });
    expect(missing.status).toBe(404);
    const after = (await scrape()).samples;
    expect(
      find(after, "edgetrader_http_requests_total", route) - find(before, "edgetrader_http_requests_total", route),
    ).toBe(3);
    // The matched route pattern, never the raw id.
    expect(
      find(after, "edgetrader_http_requests_total", { route: "/api/v1/ml/models/:id", status: "404" }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.some((s) => s.labels["route"]?.includes("some-id-that-does-not-exist"))).toBe(false);
    // Histogram: cumulative buckets, +Inf bucket == count.
    const buckets = after.filter(
      (s) => s.name === "edgetrader_http_request_duration_seconds_bucket" && s.labels["route"] === "/api/v1/health",
    );
    expect(buckets.length).toBeGreaterThan(2);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.labels["le"]).toBe("+Inf");
    expect(buckets.at(-1)!.value).toBe(
      find(after, "edgetrader_http_request_duration_seconds_count", { route: "/api/v1/health" }),
    );
  });

  it("aggregates the recording API (cycles, skips, trades, connector gauge) once a batch is flushed", async () => {
    const before = (await scrape()).samples;
    recordCycle("traded", undefined, 120);
    recordCycle("skipped", "market_closed", 3);
    recordCycle("skipped", "market_closed", 4);
    recordTrade();
    setConnectorState("metrics-user-a", true);
    setConnectorState("metrics-user-b", true);
    setConnectorState("metrics-user-b", false);
    await flushMetrics(env);
    const after = (await scrape()).samples;
    const d = (name: string, labels?: Record<string, string>) => find(after, name, labels) - find(before, name, labels);
    expect(d("edgetrader_cycles_total", { outcome: "skipped" })).toBe(2);
    expect(d("edgetrader_cycles_total", { outcome: "traded" })).toBe(1);
    expect(d("edgetrader_cycle_skips_total", { reason: "market_closed" })).toBe(2);
    expect(d("edgetrader_trades_total")).toBe(1);
    expect(d("edgetrader_cycle_duration_seconds_count")).toBe(3);
    expect(find(after, "edgetrader_connectors_connected")).toBe(find(before, "edgetrader_connectors_connected") + 1);
  });

  it("counts the engine's own cycles: a triggered cycle shows up under its outcome, with its duration", async () => {
    // A new object's first cycle always decides the seeded replay bar (1999-05-06 20:00 UTC), where the
    // shipped ensemble says BUY at 37.8%: below this bot's 50% threshold, so one skip and no trade
    // (cycle-e2e.test.ts trades the same bar at 35%).
    const before = (await scrape()).samples;
    const u = await newUser();
    const res = await authedFetch(u.accessToken, "/api/v1/ml/models", {
      method: "POST",
      json: {
        name: "metrics",
        symbol: "USDCHF",
        config: { ensemble: { models: SHIPPED_ENSEMBLE }, execution: { cooldownMinutes: 0, confidenceThreshold: 0.5 } },
      },
    });
    const botId = ((await res.json()) as { id: string }).id;
    await installShippedModels(env, u.userId, botId);
    expect((await authedFetch(u.accessToken, `/api/v1/ml/models/${botId}/activate`, { method: "POST" })).status).toBe(
      200,
    );
    const trig = await authedFetch(u.accessToken, "/api/v1/ml/auto-trading/trigger", { method: "POST" });
    const [r] = TriggerResponseSchema.parse(await trig.json()).results;
    expect(r).toMatchObject({
      outcome: "skipped",
      reason: "below_threshold",
      bar_time: Date.UTC(1999, 4, 6, 20, 0),
      trade_id: null,
    });
    await flushMetrics(env); // the object shares this isolate's registry in the test pool; ship what it recorded
    const after = (await scrape()).samples;
    const d = (name: string, labels?: Record<string, string>) => find(after, name, labels) - find(before, name, labels);
    expect(d("edgetrader_cycles_total", { outcome: "skipped" })).toBe(1);
    expect(d("edgetrader_cycles_total", { outcome: "traded" })).toBe(0);
    expect(d("edgetrader_cycle_duration_seconds_count")).toBe(1);
    expect(d("edgetrader_trades_total", { kind: "paper" })).toBe(0);
    expect(d("edgetrader_cycle_skips_total", { reason: "below_threshold" })).toBe(1);
  });
});
