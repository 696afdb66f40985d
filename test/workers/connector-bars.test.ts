// MT5 bars through the connector socket, object side: AUTH_OK asks for the bots' timeframes,
// RATES_RESPONSE / BAR_CLOSED land in the object's bar store and the candles API serves them.

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BARS_PER_TIMEFRAME } from "../../core/decision/inputs";
import type { Bar } from "../../core/market/bar";
import { bucketStart, TIMEFRAME_MS } from "../../core/market/timeframes";
import { BotConfigSchema } from "../../core/protocol/bot-config";
import { CreatedConnectorTokenSchema } from "../../core/protocol/connector-tokens";
import { CandlesResponseSchema } from "../../core/protocol/market-candles";
import { type RatesRequest, RatesRequestSchema } from "../../core/protocol/market-data";
import { insertBot, setBotActive } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { authedFetch, BASE, registerUser, type TestUser } from "./helpers";

type Frame = Record<string, unknown> & { type: string };

function client(ws: WebSocket) {
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.addEventListener("message", (e) => {
    const f = JSON.parse(e.data as string) as Frame;
    const i = waiters.findIndex((w) => w.pred(f));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(f);
    else frames.push(f);
  });
  ws.accept();
  return {
    frames,
    send: (f: unknown) => ws.send(JSON.stringify(f)),
    next(pred: (f: Frame) => boolean): Promise<Frame> {
      const i = frames.findIndex(pred);
      if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: () => ws.close(1000, "done"),
  };
}
type Client = ReturnType<typeof client>;

async function connect(u: TestUser): Promise<Client> {
  const t = await authedFetch(u.accessToken, "/api/v1/connectors", { method: "POST", json: { name: "host" } });
  expect(t.status).toBe(201);
  const { token } = CreatedConnectorTokenSchema.parse(await t.json());
  const res = await exports.default.fetch(`${BASE}/api/v1/connector/ws`, {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(101);
  const c = client(res.webSocket!);
  c.send({
    type: "AUTH",
    token,
    connector_version: "test",
    protocol_version: 1,
    broker: "mt5",
    terminal: { connected: true },
  });
  expect((await c.next((f) => f.type === "AUTH_OK" || f.type === "AUTH_ERROR")).type).toBe("AUTH_OK");
  return c;
}

async function settle(c: Client): Promise<void> {
  const id = crypto.randomUUID();
  c.send({ type: "PING", id, ts: Date.now() });
  await c.next((f) => f.type === "PONG" && f["id"] === id);
}

async function activeBot(
  u: TestUser,
  symbol: string,
  target: "connector" | "paper",
  timeframes: Array<"15m" | "1h" | "4h">,
) {
  const w = 1 / timeframes.length;
  const config = BotConfigSchema.parse({
    symbol,
    ensemble: { models: timeframes.map((timeframe) => ({ timeframe, weight: w })) },
    execution: { target },
  });
  const row = await insertBot(db(env), u.userId, `bot-${symbol}`, config);
  await setBotActive(db(env), u.userId, row.id, true);
}

/** `n` closed 1h bars ending before now, a gentle walk around 1.08. */
function hourBars(n: number): Bar[] {
  const last = bucketStart(Date.now(), "1h") - TIMEFRAME_MS["1h"];
  return Array.from({ length: n }, (_, i) => {
    const open = 1.08 + 0.0005 * Math.sin(i / 5);
    const close = 1.08 + 0.0005 * Math.sin((i + 1) / 5);
    return {
      time: last - (n - 1 - i) * TIMEFRAME_MS["1h"],
      open,
      high: Math.max(open, close) + 0.0002,
      low: Math.min(open, close) - 0.0002,
      close,
      volume: 100 + i,
    };
  });
}

async function candles(u: TestUser, symbol: string, tf: string) {
  const res = await authedFetch(u.accessToken, `/api/v1/market/candles?symbol=${symbol}&timeframe=${tf}&limit=2000`);
  return { status: res.status, body: res.status === 200 ? CandlesResponseSchema.parse(await res.json()) : null };
}

describe("connector bars (object side)", () => {
  it("AUTH_OK asks for warm-up bars of each timeframe of the bots' symbols, not of replay symbols", async () => {
    const u = await registerUser();
    await activeBot(u, "EURUSD", "connector", ["15m", "1h", "4h"]);
    await activeBot(u, "USDCHF", "paper", ["1h"]); // replay symbol: served by the replay
    await activeBot(u, "SPX500", "connector", ["4h"]); // replay symbol even for a connector bot
    await activeBot(u, "GBPUSD", "paper", ["1h"]); // no replay feed for it: only the connector has bars
    const c = await connect(u);
    const reqs: RatesRequest[] = [];
    for (let i = 0; i < 4; i++) reqs.push(RatesRequestSchema.parse(await c.next((f) => f.type === "RATES_REQUEST")));
    await settle(c);
    expect(c.frames.filter((f) => f.type === "RATES_REQUEST")).toEqual([]);
    expect(reqs.map((r) => `${r.symbol} ${r.timeframe}`).sort()).toEqual([
      "EURUSD 15m",
      "EURUSD 1h",
      "EURUSD 4h",
      "GBPUSD 1h",
    ]);
    for (const r of reqs) expect(r.count).toBe(BARS_PER_TIMEFRAME);
    c.close();
  });

  it("RATES_RESPONSE lands in the bar store and the candles API serves it; BAR_CLOSED appends", async () => {
    const u = await registerUser();
    await activeBot(u, "EURUSD", "connector", ["1h"]);
    const c = await connect(u);
    const req = RatesRequestSchema.parse(await c.next((f) => f.type === "RATES_REQUEST"));
    expect((await candles(u, "EURUSD", "1h")).status).not.toBe(200); // nothing stored yet

    const bars = hourBars(300);
    const history = bars.slice(0, 299);
    c.send({ type: "RATES_RESPONSE", id: req.id, symbol: "EURUSD", timeframe: "1h", bars: history });
    await settle(c);
    expect(c.frames.filter((f) => f.type === "ERROR")).toEqual([]);
    const got = await candles(u, "EURUSD", "1h");
    expect(got.status).toBe(200);
    expect(got.body!.source).toBe("store");
    expect(got.body!.bars).toEqual(history);

    c.send({ type: "BAR_CLOSED", symbol: "EURUSD", timeframe: "1h", bar: bars[299] });
    await settle(c);
    const after = await candles(u, "EURUSD", "1h");
    expect(after.body!.bars).toHaveLength(300);
    expect(after.body!.bars.at(-1)).toEqual(bars[299]);
    expect(after.body!.fresh).toBe(true);
    c.close();
  });

  it("an invalid bar gets an ERROR frame and stores nothing (the whole frame is refused)", async () => {
    const u = await registerUser();
    const c = await connect(u);
    const bars = hourBars(10);
    const bad = bars.map((b, i) => (i === 6 ? { ...b, high: b.low - 0.001 } : b));
    c.send({ type: "RATES_RESPONSE", id: "r1", symbol: "EURUSD", timeframe: "1h", bars: bad });
    const err = await c.next((f) => f.type === "ERROR");
    expect(err["code"]).toBe("bad_frame");
    expect(err["ref_type"]).toBe("RATES_RESPONSE");
    expect(String(err["message"])).toContain("high_below_open_close");
    c.send({ type: "BAR_CLOSED", symbol: "EURUSD", timeframe: "1h", bar: { ...bars[9]!, low: -1 } });
    const err2 = await c.next((f) => f.type === "ERROR");
    expect(err2["ref_type"]).toBe("BAR_CLOSED");
    await settle(c);
    expect((await candles(u, "EURUSD", "1h")).status).not.toBe(200);

    // An error answer (terminal had no bars) is no protocol error and stores nothing either.
    c.send({
      type: "RATES_RESPONSE",
      id: "r2",
      symbol: "EURUSD",
      timeframe: "1h",
      error: { code: "terminal_unavailable", message: "EA not connected" },
    });
    await settle(c);
    expect(c.frames.filter((f) => f.type === "ERROR")).toEqual([]);
    expect((await candles(u, "EURUSD", "1h")).status).not.toBe(200);

    // A replay symbol's key belongs to the replay: connector bars for it are refused, not mixed in.
    c.send({ type: "BAR_CLOSED", symbol: "USDCHF", timeframe: "1h", bar: bars[9] });
    const err3 = await c.next((f) => f.type === "ERROR");
    expect(String(err3["message"])).toContain("replay");
    c.close();
  });
});
