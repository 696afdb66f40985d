import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeltaCandlesSource, parseRetryAfter } from "./delta";
import { validateBars } from "./validate";

const dir = fileURLToPath(new URL("../../test/fixtures/delta/", import.meta.url));
type Step = { status: number; file?: string; body?: string; headers?: Record<string, string> };
const scenarios = JSON.parse(readFileSync(dir + "scenarios.json", "utf8")) as Record<string, Step[]>;

let server: Server;
let base = "";
const hits = new Map<string, string[]>(); // scenario -> request URLs, in order

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const [, scenario, ...rest] = url.pathname.split("/");
    const steps = scenario ? scenarios[scenario] : undefined;
    if (!steps || rest.join("/") !== "v2/history/candles") {
      res.writeHead(404).end();
      return;
    }
    const seen = hits.get(scenario!) ?? [];
    seen.push(req.url ?? "");
    hits.set(scenario!, seen);
    const step = steps[Math.min(seen.length - 1, steps.length - 1)]!;
    const body = step.file ? readFileSync(dir + step.file) : (step.body ?? "");
    res.writeHead(step.status, { "content-type": "application/json", ...step.headers }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const NOW = Date.UTC(2024, 5, 1, 12, 10); // the 12:00 candle is still forming
function client(scenario: string, extra: Partial<ConstructorParameters<typeof DeltaCandlesSource>[0]> = {}) {
  const waits: number[] = [];
  const src = new DeltaCandlesSource({
    fetch: (url, init) => fetch(url, init),
    baseUrl: `${base}/${scenario}`,
    now: () => NOW,
    sleep: async (ms) => void waits.push(ms), // the retry schedule is asserted, not waited out
    ...extra,
  });
  return { src, waits };
}
const req = { symbol: "BTCUSD", timeframe: "1h" as const, count: 12 };

describe("Delta Exchange candles against fixtures served on 127.0.0.1", () => {
  it("maps the documented success body to validated closed bars, oldest first", async () => {
    const { src } = client("success");
    const r = await src.getBars(req);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bars).toHaveLength(12);
    expect(r.bars[0]).toEqual({
      time: Date.UTC(2024, 5, 1, 0),
      open: 67510.5,
      high: 67564,
      low: 67277.5,
      close: 67373,
      volume: 3349940,
    });
    expect(r.bars.at(-1)!.time).toBe(Date.UTC(2024, 5, 1, 11)); // forming 12:00 candle dropped
    expect(validateBars(r.bars).issues).toEqual([]);
    // The request carried the documented parameters, in seconds.
    const sent = new URL(hits.get("success")!.at(-1)!, "http://x").searchParams;
    expect(Object.fromEntries(sent)).toEqual({
      resolution: "1h",
      symbol: "BTCUSD",
      start: String(Date.UTC(2024, 5, 1, 0) / 1000),
      end: String(Date.UTC(2024, 5, 1, 11) / 1000),
    });
  });

  it("maps a body recorded from the live API (every field a string, time included) to a bar", async () => {
    const { src } = client("recorded", { now: () => Date.UTC(2024, 2, 13, 12, 5) });
    const r = await src.getBars({ symbol: "BTC_USDT", timeframe: "1h", count: 1 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bars).toEqual([
      { time: 1710327600_000, open: 73243, high: 73394, low: 73243, close: 73381, volume: 0.0076549999999999995 },
    ]);
  });

  it("a gap inside the range is reason 'gap' (or reported issues with onGap: allow)", async () => {
    const r = await client("gap").src.getBars(req);
    expect(r).toMatchObject({ ok: false, reason: "gap", source: "delta" });
    if (!r.ok) expect(r.message).toMatch(/2 bar\(s\) missing after 2024-06-01T04:00/);
    const allowed = await client("gap", { onGap: "allow" }).src.getBars(req);
    expect(allowed.ok && allowed.bars.length).toBe(10);
    expect(allowed.ok && allowed.issues.map((i) => i.code)).toEqual(["gap"]);
  });

  it("429 with Retry-After: bounded retries honouring the header, then reason 'rate_limited'", async () => {
    const { src, waits } = client("rate-limited");
    const before = hits.get("rate-limited")?.length ?? 0;
    const r = await src.getBars(req);
    expect(r).toMatchObject({ ok: false, reason: "rate_limited", retryAfterMs: 2000 });
    expect((hits.get("rate-limited")?.length ?? 0) - before).toBe(3);
    expect(waits).toEqual([2000, 2000]);
  });

  it("429 with Delta's X-RATE-LIMIT-RESET (ms) is honoured", async () => {
    const { src, waits } = client("rate-limited-delta-header", { maxAttempts: 2 });
    expect(await src.getBars(req)).toMatchObject({ ok: false, reason: "rate_limited", retryAfterMs: 1500 });
    expect(waits).toEqual([1500]);
  });

  it("a Retry-After beyond the cap ends retries at once", async () => {
    const { src, waits } = client("rate-limited-long");
    expect(await src.getBars(req)).toMatchObject({ ok: false, reason: "rate_limited", retryAfterMs: 300_000 });
    expect(waits).toEqual([]);
  });

  it("500 retries with exponential backoff, then reason 'upstream_error' with the upstream code", async () => {
    const { src, waits } = client("server-error");
    const r = await src.getBars(req);
    expect(r).toMatchObject({ ok: false, reason: "upstream_error" });
    if (!r.ok) expect(r.message).toMatch(/500.*internal_server_error/);
    expect(waits).toEqual([500, 1000]);
  });

  it("a 502 followed by success recovers", async () => {
    const { src, waits } = client("bad-gateway-then-ok");
    const r = await src.getBars(req);
    expect(r.ok && r.bars.length).toBe(12);
    expect(waits).toEqual([500]);
  });

  it("malformed and wrong-shaped bodies and invalid candles are reason 'malformed'", async () => {
    for (const s of ["malformed", "wrong-shape", "invalid-ohlc"]) {
      const r = await client(s).src.getBars(req);
      expect(r, s).toMatchObject({ ok: false, reason: "malformed" });
    }
  });

  it("a 4xx error body is reason 'rejected' with Delta's code, without retries", async () => {
    const { src, waits } = client("rejected");
    const r = await src.getBars(req);
    expect(r).toMatchObject({ ok: false, reason: "rejected" });
    if (!r.ok) expect(r.message).toMatch(/invalid_contract/);
    expect(waits).toEqual([]);
  });

  it("a refused connection is reason 'upstream_error', never a throw", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const { src } = client("success", { baseUrl: `http://127.0.0.1:${port}` });
    expect(await src.getBars(req)).toMatchObject({ ok: false, reason: "upstream_error" });
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter("Sat, 01 Jun 2024 12:10:05 GMT", NOW)).toBe(5000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
  });
});
