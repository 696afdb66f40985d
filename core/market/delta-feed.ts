import type { Bar } from "./bar";
import type { DeltaCandlesSource } from "./delta";
import { type DeltaClientFrame, parseServerFrame, subscribeFrame } from "./delta-ws";
import { type GapRange, LiveCandles } from "./live-candles";
import type { MarketDataResult } from "./source";
import { TIMEFRAME_MS, type Timeframe } from "./timeframes";

export interface DeltaFeedStats {
  frames: number;
  /** Frames that were not JSON or not the documented shape: counted and skipped. */
  malformed: number;
  /** Duplicate and out-of-order candle updates (at or before the last closed bar): skipped. */
  stale: number;
  /** Candles off the interval boundary or with invalid OHLC: skipped. */
  invalid: number;
  /** Holes in the live stream found (a jump, or a reconnect after bars closed). */
  gaps: number;
  /** Bars fetched over REST to fill them. */
  backfilled: number;
  /** Back-fills that failed (retried by `retryGaps`). */
  backfillFailures: number;
  closed: number;
  connects: number;
}

export interface DeltaFeedOptions {
  symbol: string;
  timeframe: Timeframe;
  /** REST client; its `now` must be this feed's `clock` (closed candles by the exchange's time). */
  rest: DeltaCandlesSource;
  /** Open time of the newest bar already delivered (persisted by the owner). */
  lastClosed?: number;
  /** Receives closed bars, oldest first, each exactly once. */
  deliver: (bars: Bar[]) => Promise<void> | void;
  realNow?: () => number;
}

/**
 * One Delta market (symbol + timeframe): closed bars from the candlestick channel, holes back-filled
 * over REST, the exchange's clock from frame timestamps. Runtime-agnostic: the owner (the market
 * Durable Object, or a test in Node) opens the socket, passes frames in and sends what `onOpen`
 * returns. Frames are handled strictly one after another (a back-fill finishes before the next frame).
 */
export class DeltaFeed {
  readonly stats: DeltaFeedStats = {
    frames: 0,
    malformed: 0,
    stale: 0,
    invalid: 0,
    gaps: 0,
    backfilled: 0,
    backfillFailures: 0,
    closed: 0,
    connects: 0,
  };
  readonly live: LiveCandles;
  /** Holes not yet filled (REST failed); retried by `retryGaps`. */
  readonly pendingGaps: GapRange[] = [];
  lastTicker: { price: number; time: number } | undefined;
  /** Real time of the last frame of any kind (heartbeats included): the owner's liveness check. */
  lastFrameAt: number | undefined;
  private upstream: { time: number; at: number } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly realNow: () => number;

  constructor(private readonly o: DeltaFeedOptions) {
    this.live = new LiveCandles(o.timeframe, o.lastClosed);
    this.realNow = o.realNow ?? Date.now;
  }

  /** The exchange's time: the newest frame timestamp, moved on by the real time since; the wall clock before any. */
  clock(): number {
    const u = this.upstream;
    return u ? u.time + (this.realNow() - u.at) : this.realNow();
  }

  /** History on start: the newest `count` closed bars over REST (after what was already delivered, if anything). */
  async loadHistory(count: number): Promise<MarketDataResult> {
    const last = this.live.lastClosed;
    const r = await this.o.rest.getBars(
      last === undefined
        ? { symbol: this.o.symbol, timeframe: this.o.timeframe, count }
        : { symbol: this.o.symbol, timeframe: this.o.timeframe, start: last + TIMEFRAME_MS[this.o.timeframe] },
    );
    if (r.ok) {
      const fresh = last === undefined ? r.bars : r.bars.filter((b) => b.time > last);
      if (fresh.length > 0) {
        await this.o.deliver(fresh);
        this.live.advanceTo(fresh.at(-1)!.time);
      }
    }
    return r;
  }

  /** Frames to send once the socket is open: the subscription and heartbeats (the docs: reconnect after 35 s without one). */
  onOpen(): DeltaClientFrame[] {
    this.stats.connects++;
    this.live.reset();
    return [subscribeFrame(this.o.symbol, this.o.timeframe), { type: "enable_heartbeat" }];
  }

  onClose(): void {
    this.live.reset();
  }

  /** Queues one text frame; resolves when it (and everything before it) is handled. */
  onMessage(text: string): Promise<void> {
    const run = this.queue.then(() => this.handle(text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Idle until every queued frame is handled. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async handle(text: string): Promise<void> {
    this.stats.frames++;
    this.lastFrameAt = this.realNow();
    const p = parseServerFrame(text);
    if (p.kind === "malformed") {
      this.stats.malformed++;
      return;
    }
    if (p.kind === "ignored") return;
    const f = p.frame;
    if (!("timestamp" in f)) return; // heartbeat, pong, subscriptions
    this.seeUpstream(f.timestamp / 1000);
    if (!("candle_start_time" in f)) {
      if (f.symbol === this.o.symbol) this.lastTicker = { price: f.close, time: f.timestamp / 1000 };
      return;
    }
    if (f.symbol !== this.o.symbol || f.resolution !== this.o.timeframe) return;
    const bar: Bar = { time: f.candle_start_time / 1000, open: f.open, high: f.high, low: f.low, close: f.close };
    if (f.volume !== undefined && f.volume !== null) bar.volume = f.volume;
    const out = this.live.update(bar);
    switch (out.kind) {
      case "forming":
        return;
      case "stale":
        this.stats.stale++;
        return;
      case "invalid":
        this.stats.invalid++;
        return;
      case "gap":
        return this.fill(out.gap);
      case "closed":
        this.stats.closed++;
        await this.o.deliver([out.bar]);
        if (out.gap) await this.fill(out.gap);
        return;
    }
  }

  private seeUpstream(time: number): void {
    if (!this.upstream || time >= this.upstream.time) this.upstream = { time, at: this.realNow() };
  }

  /** Back-fills one hole over REST; on failure it is kept for `retryGaps`. */
  private async fill(gap: GapRange): Promise<void> {
    this.stats.gaps++;
    if (!(await this.fetchGap(gap))) this.pendingGaps.push(gap);
  }

  /** Retries the holes REST could not fill yet (the owner calls this from its alarm). */
  async retryGaps(): Promise<number> {
    const run = this.queue.then(async () => {
      let filled = 0;
      for (const g of this.pendingGaps.splice(0)) {
        if (await this.fetchGap(g)) filled++;
        else this.pendingGaps.push(g);
      }
      return filled;
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async fetchGap(gap: GapRange): Promise<boolean> {
    const r = await this.o.rest.getBars({
      symbol: this.o.symbol,
      timeframe: this.o.timeframe,
      start: gap.from,
      end: gap.to,
    });
    // A hole the exchange has no candles for either (an outage) is a real gap: nothing to invent.
    if (!r.ok && r.reason !== "no_data") {
      this.stats.backfillFailures++;
      return false;
    }
    const bars = r.ok ? r.bars.filter((b) => b.time >= gap.from && b.time <= gap.to) : [];
    if (bars.length > 0) {
      await this.o.deliver(bars);
      this.stats.backfilled += bars.length;
    }
    return true;
  }
}
