// A local Delta Exchange (public market data only): REST candles + products and the WebSocket feed,
// replaying a real candle file, with the faults the real service shows on demand. Used by tests and
// by `npm start` (the demo BTCUSD bot); production talks to Delta's own hosts (wrangler.toml vars).
// Message shapes: core/market/delta.ts (REST) and core/market/delta-ws.ts (socket), both written
// from Delta's API reference (docs/MARKET_DATA.md cites it).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { DELTA_PRODUCTS, type DeltaProduct } from "../../core/instruments/delta-products";
import type { Bar } from "../../core/market/bar";
import { DELTA_MAX_CANDLES } from "../../core/market/delta";
import {
  channelTimeframe,
  type DeltaCandlestick,
  DeltaClientFrameSchema,
  type DeltaTicker,
} from "../../core/market/delta-ws";
import { resample } from "../../core/market/resample";
import { lowerBound } from "../../core/market/source";
import { bucketStart, TIMEFRAME_MS, type Timeframe, TimeframeSchema } from "../../core/market/timeframes";

export interface SimMarket {
  symbol: string;
  /** Candles of the file, oldest first, at `fileTimeframe`. */
  bars: Bar[];
  fileTimeframe: Timeframe;
}

export interface DeltaSimOptions {
  markets: SimMarket[];
  /**
   * The file's candles are re-dated to end at the server's start and, with `base` finer than the
   * file's timeframe, time-compressed: each file candle becomes one `base` candle (e.g. hourly
   * candles replayed as 15m candles so 15m, 1h and 4h can all be served). Gaps stay gaps.
   */
  base?: Timeframe;
  /** How many base candles lie before the start (history served over REST). Default 6,000. */
  history?: number;
  /** Sim clock rate (1 = real time). */
  speed?: number;
  /** Real ms between socket updates. Default 250. */
  tickMs?: number;
  /** Heartbeat period once enabled (Delta: 30 s). */
  heartbeatMs?: number;
  port?: number;
  now?: () => number;
}

export interface FaultState {
  /** Candle messages of the next N closed candles are not sent (a gap in the live stream). */
  gapBars: number;
  /** After the next rollover, the closed candle's final update is sent again (a duplicate). */
  duplicate: number;
  /** After the next rollover, an update of an older candle follows the new one (out of order). */
  outOfOrder: number;
  /** The next N REST requests get 429 with X-RATE-LIMIT-RESET (ms). */
  rateLimit: { count: number; resetMs: number };
  /** The next N socket frames are malformed (truncated JSON, wrong field types). */
  malformed: number;
}

export interface DeltaSimStats {
  restRequests: number;
  rateLimited: number;
  restTimes: number[];
  connections: number;
  open: number;
  framesSent: number;
  malformedSent: number;
  subscribes: number;
}

interface ClientSub {
  symbol: string;
  timeframe: Timeframe;
  /** Start of the candle last sent for this subscription. */
  lastStart: number | undefined;
  /** Open times [from, to] of candles this subscription never sees (the gap fault). */
  suppress: { from: number; to: number } | undefined;
}

interface Client {
  ws: WebSocket;
  subs: ClientSub[];
  tickers: Set<string>;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

export interface DeltaSim {
  url: string;
  wsUrl: string;
  port: number;
  faults: FaultState;
  stats: DeltaSimStats;
  simNow(): number;
  /** The server's closed candles (the truth a client must end up with). */
  closedCandles(symbol: string, tf: Timeframe, from: number, to: number): Bar[];
  dropSockets(): number;
  close(): Promise<void>;
}

export async function startDeltaSim(opts: DeltaSimOptions): Promise<DeltaSim> {
  const realNow = opts.now ?? Date.now;
  const base = opts.base ?? opts.markets[0]!.fileTimeframe;
  const baseMs = TIMEFRAME_MS[base];
  const speed = opts.speed ?? 1;
  const history = opts.history ?? 6000;
  const realStart = realNow();
  const simStart = bucketStart(realStart, base);
  const simNow = () => simStart + (realNow() - realStart) * speed;

  // Re-date each market: candle `history` sits at simStart (the forming one when the server starts).
  const series = new Map<string, Bar[]>();
  for (const m of opts.markets) {
    const fileMs = TIMEFRAME_MS[m.fileTimeframe];
    const anchor = m.bars[Math.min(history, m.bars.length - 1)]!.time;
    series.set(
      m.symbol,
      m.bars.map((b) => ({ ...b, time: simStart + ((b.time - anchor) / fileMs) * baseMs })),
    );
  }

  const faults: FaultState = {
    gapBars: 0,
    duplicate: 0,
    outOfOrder: 0,
    rateLimit: { count: 0, resetMs: 0 },
    malformed: 0,
  };
  const stats: DeltaSimStats = {
    restRequests: 0,
    rateLimited: 0,
    restTimes: [],
    connections: 0,
    open: 0,
    framesSent: 0,
    malformedSent: 0,
    subscribes: 0,
  };

  /** Base candles with open time in [from, to], the forming one revealed only up to now. */
  function baseCandles(symbol: string, from: number, to: number): Bar[] {
    const all = series.get(symbol);
    if (!all) return [];
    const now = simNow();
    const out: Bar[] = [];
    for (let i = lowerBound(all, from); i < all.length && all[i]!.time <= to && all[i]!.time <= now; i++) {
      const b = all[i]!;
      out.push(b.time + baseMs <= now ? b : partial(b, (now - b.time) / baseMs));
    }
    return out;
  }

  /** Candles of `tf` (a multiple of base) with open time in [from, to]; the last may be forming. */
  function candles(symbol: string, tf: Timeframe, from: number, to: number): Bar[] {
    const tfMs = TIMEFRAME_MS[tf];
    const start = bucketStart(from, tf);
    const sub = baseCandles(symbol, start, to + tfMs - baseMs);
    if (tf === base) return sub.filter((b) => b.time >= from && b.time <= to);
    const now = simNow();
    const closed = sub.filter((b) => b.time + baseMs <= now);
    const bars = resample(closed, base, tf, { asOf: now }).bars;
    const formingStart = bucketStart(now, tf);
    const inForming = sub.filter((b) => b.time >= formingStart);
    if (inForming.length > 0) bars.push(merge(formingStart, inForming));
    return bars.filter((b) => b.time >= from && b.time <= to);
  }

  const server = createServer((req, res) => {
    handleRest(req, res).catch((e) =>
      send(res, 500, { success: false, error: { code: "internal_error", context: { message: String(e) } } }),
    );
  });

  async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith("/__sim/")) return control(url, req, res);
    stats.restRequests++;
    stats.restTimes.push(realNow());
    if (faults.rateLimit.count > 0) {
      faults.rateLimit.count--;
      stats.rateLimited++;
      // Delta: 429 with X-RATE-LIMIT-RESET = ms until the quota window resets ("Rate Limits").
      res.setHeader("X-RATE-LIMIT-RESET", String(faults.rateLimit.resetMs));
      return send(res, 429, { success: false, error: { code: "rate_limit_exceeded" } });
    }
    if (url.pathname === "/v2/history/candles") {
      const tf = TimeframeSchema.safeParse(url.searchParams.get("resolution"));
      const symbol = url.searchParams.get("symbol") ?? "";
      const start = Number(url.searchParams.get("start"));
      const end = Number(url.searchParams.get("end"));
      if (!tf.success || !Number.isInteger(start) || !Number.isInteger(end)) {
        return send(res, 400, {
          success: false,
          error: { code: "validation_error", context: { schema_errors: ["resolution, start and end are required"] } },
        });
      }
      if (!series.has(symbol))
        return send(res, 400, { success: false, error: { code: "invalid_contract", context: { symbol } } });
      if (TIMEFRAME_MS[tf.data] % baseMs !== 0) return send(res, 200, { success: true, result: [] });
      let bars = candles(symbol, tf.data, start * 1000, end * 1000);
      if (bars.length > DELTA_MAX_CANDLES) bars = bars.slice(-DELTA_MAX_CANDLES);
      // The live API sends every field as a string (see test/fixtures/delta/recorded-spot-1h.json).
      return send(res, 200, {
        success: true,
        result: bars.map((b) => ({
          time: String(b.time / 1000),
          open: String(b.open),
          high: String(b.high),
          low: String(b.low),
          close: String(b.close),
          volume: String(b.volume ?? 0),
        })),
      });
    }
    const product = /^\/v2\/products\/([A-Z0-9_]+)$/.exec(url.pathname);
    if (product) {
      const p = DELTA_PRODUCTS.find((x) => x.symbol === product[1]);
      return p
        ? send(res, 200, { success: true, result: p })
        : send(res, 404, { success: false, error: { code: "not_found" } });
    }
    if (url.pathname === "/v2/products") {
      return send(res, 200, {
        success: true,
        result: DELTA_PRODUCTS.filter((p: DeltaProduct) => series.has(p.symbol)),
      });
    }
    return send(res, 404, { success: false, error: { code: "not_found" } });
  }

  function control(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const q = (k: string, d: number) => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) : d);
    switch (url.pathname) {
      case "/__sim/drop":
        return send(res, 200, { dropped: dropSockets() });
      case "/__sim/gap":
        faults.gapBars += q("bars", 1);
        break;
      case "/__sim/duplicate":
        faults.duplicate += q("count", 1);
        break;
      case "/__sim/out-of-order":
        faults.outOfOrder += q("count", 1);
        break;
      case "/__sim/rate-limit":
        faults.rateLimit = { count: q("count", 1), resetMs: q("reset_ms", 1000) };
        break;
      case "/__sim/malformed":
        faults.malformed += q("count", 1);
        break;
      case "/__sim/stats":
        return send(res, 200, { ...stats, restTimes: undefined, simNow: simNow(), faults });
      default:
        return send(res, 404, { error: "unknown control" });
    }
    void req;
    send(res, 200, { ok: true, faults });
  }

  // ---- WebSocket feed (root path, like wss://socket.delta.exchange) ----
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const clients = new Set<Client>();
  wss.on("connection", (ws) => {
    stats.connections++;
    const c: Client = { ws, subs: [], tickers: new Set(), heartbeat: undefined };
    clients.add(c);
    ws.on("close", () => {
      clearInterval(c.heartbeat);
      clients.delete(c);
    });
    ws.on("message", (data) => {
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        return;
      }
      const f = DeltaClientFrameSchema.safeParse(json);
      if (!f.success) return;
      const frame = f.data;
      if (frame.type === "ping") return emit(c, { type: "pong" });
      if (frame.type === "enable_heartbeat") {
        clearInterval(c.heartbeat);
        c.heartbeat = setInterval(() => emit(c, { type: "heartbeat" }), opts.heartbeatMs ?? 30_000);
        return;
      }
      if (frame.type === "disable_heartbeat") return clearInterval(c.heartbeat);
      if (frame.type !== "subscribe") return;
      stats.subscribes++;
      for (const ch of frame.payload.channels) {
        for (const symbol of ch.symbols ?? []) {
          if (ch.name === "v2/ticker") c.tickers.add(symbol);
          const tf = channelTimeframe(ch.name);
          if (tf && series.has(symbol) && !c.subs.some((s) => s.symbol === symbol && s.timeframe === tf))
            c.subs.push({ symbol, timeframe: tf, lastStart: undefined, suppress: undefined });
        }
      }
      emit(c, { type: "subscriptions", channels: frame.payload.channels });
      tickClient(c);
    });
  });

  function emit(c: Client, frame: object | string): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (typeof frame !== "string" && faults.malformed > 0) {
      faults.malformed--;
      stats.malformedSent++;
      // Alternate: truncated JSON, then a candle whose close is not a number.
      c.ws.send(
        stats.malformedSent % 2 === 1
          ? '{"type":"candlestick_1m","symbol":'
          : JSON.stringify({
              ...(frame as object),
              type: "candlestick_1m",
              close: "not-a-number",
              candle_start_time: 0,
              timestamp: 0,
            }),
      );
    }
    stats.framesSent++;
    c.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  function candleFrame(s: ClientSub, bar: Bar): DeltaCandlestick {
    return {
      type: `candlestick_${s.timeframe}`,
      symbol: s.symbol,
      resolution: s.timeframe,
      candle_start_time: bar.time * 1000,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume ?? 0,
      timestamp: Math.floor(simNow()) * 1000,
    };
  }

  function tickClient(c: Client): void {
    const now = simNow();
    for (const s of c.subs) {
      const tfMs = TIMEFRAME_MS[s.timeframe];
      const current = bucketStart(now, s.timeframe);
      const hidden = (t: number) => s.suppress !== undefined && t >= s.suppress.from && t <= s.suppress.to;
      if (s.lastStart !== undefined && current > s.lastStart) {
        // A gap starts with the next candle: the one the client saw forming still gets its final update.
        if (faults.gapBars > 0) {
          s.suppress = { from: s.lastStart + tfMs, to: s.lastStart + faults.gapBars * tfMs };
          faults.gapBars = 0;
        }
        // Rollover: the final state of every candle that closed since the last update, in order.
        let previous: Bar | undefined;
        for (const b of candles(s.symbol, s.timeframe, s.lastStart, current - tfMs)) {
          if (hidden(b.time)) continue;
          emit(c, candleFrame(s, b));
          previous = b;
        }
        const forming = candles(s.symbol, s.timeframe, current, current)[0];
        if (forming && !hidden(forming.time)) emit(c, candleFrame(s, forming));
        if (previous && faults.duplicate > 0) {
          faults.duplicate--;
          emit(c, candleFrame(s, previous));
        }
        if (previous && faults.outOfOrder > 0) {
          faults.outOfOrder--;
          const older = candles(s.symbol, s.timeframe, previous.time - tfMs, previous.time - tfMs)[0];
          if (older) emit(c, candleFrame(s, older));
        }
      } else {
        const forming = candles(s.symbol, s.timeframe, current, current)[0];
        if (forming && !hidden(forming.time)) emit(c, candleFrame(s, forming));
      }
      s.lastStart = current;
    }
    for (const symbol of c.tickers) {
      const last = baseCandles(symbol, now - baseMs, now).at(-1);
      if (!last) continue;
      const t: DeltaTicker = {
        type: "v2/ticker",
        symbol,
        close: last.close,
        mark_price: last.close,
        open: last.open,
        high: last.high,
        low: last.low,
        timestamp: Math.floor(now) * 1000,
      };
      emit(c, t);
    }
  }

  const ticker = setInterval(() => {
    for (const c of clients) tickClient(c);
  }, opts.tickMs ?? 250);

  function dropSockets(): number {
    let n = 0;
    for (const c of clients) {
      c.ws.terminate();
      n++;
    }
    return n;
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    faults,
    stats,
    simNow,
    closedCandles: (symbol, tf, from, to) =>
      candles(symbol, tf, from, to).filter((b) => b.time + TIMEFRAME_MS[tf] <= simNow()),
    dropSockets,
    close: async () => {
      clearInterval(ticker);
      for (const c of clients) {
        clearInterval(c.heartbeat);
        c.ws.terminate();
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The forming candle at fraction f of its interval: open, then a straight walk towards its close. */
function partial(b: Bar, f: number): Bar {
  const close = b.open + (b.close - b.open) * Math.max(0, Math.min(1, f));
  const out: Bar = { time: b.time, open: b.open, high: Math.max(b.open, close), low: Math.min(b.open, close), close };
  if (b.volume !== undefined) out.volume = b.volume * f;
  return out;
}

function merge(time: number, bars: Bar[]): Bar {
  const out: Bar = {
    time,
    open: bars[0]!.open,
    high: Math.max(...bars.map((b) => b.high)),
    low: Math.min(...bars.map((b) => b.low)),
    close: bars.at(-1)!.close,
  };
  if (bars.every((b) => b.volume !== undefined)) out.volume = bars.reduce((s, b) => s + b.volume!, 0);
  return out;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
