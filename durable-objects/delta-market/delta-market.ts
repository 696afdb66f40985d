// One object per Delta market (symbol + timeframe, named "BTCUSD:15m"): the single upstream socket for
// that market, shared by every user. It keeps the market's closed bars in its own SQLite and fans each
// closed bar out to the user objects that subscribed. The feed logic (closed bars, back-fill, clock)
// is core/market/delta-feed.ts; this file is the transport: socket, reconnect, alarm, fan-out.
import { DurableObject } from "cloudflare:workers";
import { isDeltaSymbol } from "../../core/instruments/delta-products";
import type { Bar } from "../../core/market/bar";
import { DELTA_MAX_CANDLES, DeltaCandlesSource } from "../../core/market/delta";
import { DeltaFeed } from "../../core/market/delta-feed";
import { DELTA_HEARTBEAT_TIMEOUT_MS } from "../../core/market/delta-ws";
import { type Timeframe, TimeframeSchema } from "../../core/market/timeframes";
import type { MarketFeedStatus } from "../../core/protocol/market-push";
import type { Env } from "../../platform/env";
import {
  type DeltaMarketRpc,
  type MarketSubscribeResult,
  deltaMarketName as marketName,
} from "../../platform/rpc/delta-market";
import { BarStore } from "../market/bar-store";
import { deltaEndpoints } from "./endpoints";
import { fanOut } from "./fanout";

/** Reconnect backoff: 1 s doubling to 30 s (Delta's docs ask clients to back off). */
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Watchdog: socket liveness (heartbeats), holes REST could not fill yet. */
const WATCHDOG_MS = 10_000;

type SubscribeResult = MarketSubscribeResult;

export class DeltaMarket extends DurableObject<Env> implements DeltaMarketRpc {
  private readonly store: BarStore;
  private feed: DeltaFeed | undefined;
  private market: { symbol: string; timeframe: Timeframe } | undefined;
  private socket: WebSocket | undefined;
  private connecting = false;
  private attempts = 0;
  private reconnects = 0;
  private fanoutErrors = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private fanoutChain: Promise<void> = Promise.resolve();
  private started: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new BarStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS delta_subscribers (object_id TEXT PRIMARY KEY, since INTEGER NOT NULL)`,
    );
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS delta_market (id INTEGER PRIMARY KEY CHECK (id = 1), symbol TEXT NOT NULL, timeframe TEXT NOT NULL)`,
    );
  }

  /**
   * A user object (by its id string) wants this market: it is remembered for the fan-out, the
   * upstream is started if it is not running, and the newest `limit` closed bars are returned.
   */
  async subscribe(objectId: string, symbol: string, timeframe: Timeframe, limit: number): Promise<SubscribeResult> {
    const own = this.bind(symbol, timeframe);
    if (own) return own;
    this.ctx.storage.sql.exec(
      `INSERT INTO delta_subscribers (object_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      objectId,
      Date.now(),
    );
    await this.ensureStarted();
    const bars = this.store.latest(symbol, timeframe, Math.min(limit, DELTA_MAX_CANDLES));
    if (bars.length === 0)
      return { ok: false, reason: "no_data", message: `no closed ${timeframe} candles for ${symbol} from Delta yet` };
    return { ok: true, bars, asOf: this.feed!.clock() };
  }

  async unsubscribe(objectId: string): Promise<void> {
    this.ctx.storage.sql.exec(`DELETE FROM delta_subscribers WHERE object_id = ?`, objectId);
  }

  /** Upstream and fan-out counters (health, tests). */
  status(): MarketFeedStatus | null {
    const m = this.market ?? this.persistedMarket();
    if (!m) return null;
    const s = this.feed?.stats;
    return {
      symbol: m.symbol,
      timeframe: m.timeframe,
      connected: this.socket !== undefined && this.socket.readyState === WebSocket.OPEN,
      subscribers: this.subscribers().length,
      bars: this.store.count(m.symbol, m.timeframe),
      lastClosed: this.feed?.live.lastClosed ?? this.store.newestTime(m.symbol, m.timeframe) ?? null,
      clock: this.feed?.clock() ?? Date.now(),
      reconnects: this.reconnects,
      frames: s?.frames ?? 0,
      malformed: s?.malformed ?? 0,
      stale: s?.stale ?? 0,
      invalid: s?.invalid ?? 0,
      gaps: s?.gaps ?? 0,
      backfilled: s?.backfilled ?? 0,
      pendingGaps: this.feed?.pendingGaps.length ?? 0,
      fanoutErrors: this.fanoutErrors,
    };
  }

  /** Closed bars of this market, newest `limit`, oldest first. */
  bars(limit: number): Bar[] {
    const m = this.market ?? this.persistedMarket();
    return m ? this.store.latest(m.symbol, m.timeframe, limit) : [];
  }

  /** Resolves when every queued frame and fan-out has been handled (tests and the bench wait on it). */
  async settled(): Promise<void> {
    await this.feed?.settled();
    await this.fanoutChain;
  }

  /** Test and bench hook: closes the upstream socket as a network drop would. */
  dropUpstream(): void {
    this.socket?.close(1011, "dropped");
  }

  override async alarm(): Promise<void> {
    if (!this.market && !this.persistedMarket()) return;
    if (this.subscribers().length === 0) {
      this.socket?.close(1000, "no subscribers");
      return; // idle: the next subscribe starts it again
    }
    await this.ensureStarted();
    const feed = this.feed!;
    const quietFor = Date.now() - (feed.lastFrameAt ?? 0);
    if (this.socket && this.socket.readyState === WebSocket.OPEN && quietFor > DELTA_HEARTBEAT_TIMEOUT_MS) {
      this.socket.close(1011, "no heartbeat"); // the close handler reconnects
    } else if (!this.socket && !this.connecting) {
      void this.openUpstream();
    }
    if (feed.pendingGaps.length > 0) await feed.retryGaps();
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
  }

  // ---- internals ----

  private bind(symbol: string, timeframe: Timeframe): SubscribeResult | null {
    if (!isDeltaSymbol(symbol) || !TimeframeSchema.safeParse(timeframe).success) {
      return { ok: false, reason: "unknown_symbol", message: `${symbol} ${timeframe} is not a Delta market` };
    }
    if (!this.ctx.id.equals(this.env.DELTA_MARKET.idFromName(marketName(symbol, timeframe)))) {
      throw new Error(`delta market: this object is not ${marketName(symbol, timeframe)}`);
    }
    if (!this.market) {
      this.market = { symbol, timeframe };
      this.ctx.storage.sql.exec(
        `INSERT OR IGNORE INTO delta_market (id, symbol, timeframe) VALUES (1, ?, ?)`,
        symbol,
        timeframe,
      );
    }
    return null;
  }

  private persistedMarket(): { symbol: string; timeframe: Timeframe } | undefined {
    const row = this.ctx.storage.sql
      .exec<{ symbol: string; timeframe: string }>(`SELECT symbol, timeframe FROM delta_market WHERE id = 1`)
      .toArray()[0];
    if (!row) return undefined;
    this.market = { symbol: row.symbol, timeframe: TimeframeSchema.parse(row.timeframe) };
    return this.market;
  }

  private subscribers(): string[] {
    return this.ctx.storage.sql
      .exec<{ object_id: string }>(`SELECT object_id FROM delta_subscribers`)
      .toArray()
      .map((r) => r.object_id);
  }

  private ensureStarted(): Promise<void> {
    this.started ??= this.start().catch((e) => {
      this.started = undefined;
      throw e;
    });
    return this.started;
  }

  private async start(): Promise<void> {
    const { symbol, timeframe } = this.market!;
    const endpoints = deltaEndpoints(this.env);
    let feed!: DeltaFeed;
    const rest = new DeltaCandlesSource({
      fetch: (url, init) => fetch(url, init),
      baseUrl: endpoints.rest,
      now: () => feed.clock(),
      onGap: "allow",
    });
    feed = new DeltaFeed({
      symbol,
      timeframe,
      rest,
      lastClosed: this.store.newestTime(symbol, timeframe),
      deliver: (bars) => this.deliver(bars),
    });
    this.feed = feed;
    // History first (an empty store gets the newest 2,000 candles; otherwise what closed since).
    const h = await feed.loadHistory(DELTA_MAX_CANDLES);
    if (!h.ok && h.reason !== "no_data" && this.store.count(symbol, timeframe) === 0) {
      this.feed = undefined;
      throw new Error(`Delta history for ${symbol} ${timeframe}: ${h.reason}: ${h.message}`);
    }
    void this.openUpstream();
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
  }

  private async openUpstream(): Promise<void> {
    if (this.connecting || !this.feed) return;
    this.connecting = true;
    const feed = this.feed;
    try {
      // workerd opens an outbound socket with a fetch that asks for an upgrade (http(s) scheme).
      const res = await fetch(deltaEndpoints(this.env).socket, { headers: { Upgrade: "websocket" } });
      const ws = res.webSocket;
      if (!ws) throw new Error(`socket upgrade refused: ${res.status}`);
      ws.accept();
      this.socket = ws;
      this.attempts = 0;
      ws.addEventListener("message", (e) => {
        if (typeof e.data === "string") void feed.onMessage(e.data);
        else feed.stats.malformed++;
      });
      const closed = () => {
        if (this.socket !== ws) return;
        this.socket = undefined;
        feed.onClose();
        this.scheduleReconnect();
      };
      ws.addEventListener("close", closed);
      ws.addEventListener("error", closed);
      for (const f of feed.onOpen()) ws.send(JSON.stringify(f));
    } catch {
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined) return;
    const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts);
    this.attempts++;
    this.reconnects++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // What closed while disconnected comes back as a gap on the first frame and is back-filled.
      void this.openUpstream();
    }, wait);
  }

  /** Feed -> store (validated, deduped, bounded) -> every subscriber, in order of delivery. */
  private deliver(bars: Bar[]): void {
    const { symbol, timeframe } = this.market!;
    const { written } = this.store.upsert(symbol, timeframe, bars);
    if (written === 0) return;
    const push = { symbol, timeframe, bars, asOf: Math.floor(this.feed!.clock()) };
    const subscribers = this.subscribers();
    this.fanoutChain = this.fanoutChain.then(async () => {
      const r = await fanOut(subscribers, (id) =>
        this.env.USER_BOT.get(this.env.USER_BOT.idFromString(id)).marketBars(push),
      );
      this.fanoutErrors += r.errors;
    });
  }
}
