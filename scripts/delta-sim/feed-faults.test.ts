// The Delta feed (core/market/delta-feed.ts) against the local Delta server over real HTTP and a real
// socket, with each fault the server injects. The market Durable Object runs this same feed; its own
// test (test/workers/delta-market.test.ts) repeats the drop + gap case inside workerd.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Bar } from "../../core/market/bar";
import { DeltaCandlesSource } from "../../core/market/delta";
import { DeltaFeed } from "../../core/market/delta-feed";
import { TIMEFRAME_MS } from "../../core/market/timeframes";
import { loadMarket } from "./markets";
import { type DeltaSim, startDeltaSim } from "./server";

// 1m candles at 60x: one closes every second of real time.
const TF = "1m" as const;
const DUR = TIMEFRAME_MS[TF];
let sim: DeltaSim;

beforeAll(async () => {
  sim = await startDeltaSim({ markets: [loadMarket("BTCUSD")], base: TF, speed: 60, tickMs: 100, history: 3000 });
});
afterAll(() => sim.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A feed plus the socket plumbing a real owner does: connect, send onOpen's frames, reconnect on close. */
function harness() {
  const bars: Bar[] = [];
  const waits: number[] = [];
  let feed!: DeltaFeed;
  const rest = new DeltaCandlesSource({
    fetch: (url, init) => fetch(url, init),
    baseUrl: sim.url,
    now: () => feed.clock(),
    onGap: "allow",
    sleep: async (ms) => {
      waits.push(ms);
      await sleep(ms);
    },
  });
  feed = new DeltaFeed({ symbol: "BTCUSD", timeframe: TF, rest, deliver: (b) => void bars.push(...b) });
  let ws: WebSocket | undefined;
  let stopped = false;
  const connect = () => {
    const s = new WebSocket(sim.wsUrl);
    ws = s;
    s.on("open", () => feed.onOpen().forEach((f) => s.send(JSON.stringify(f))));
    s.on("message", (d) => void feed.onMessage(String(d)));
    s.on("close", () => {
      feed.onClose();
      if (!stopped) setTimeout(connect, 2500); // two or three candles close meanwhile
    });
    s.on("error", () => undefined);
  };
  return {
    bars,
    waits,
    feed,
    start: async () => {
      const h = await feed.loadHistory(300);
      expect(h.ok).toBe(true);
      connect();
    },
    stop: () => {
      stopped = true;
      ws?.terminate();
    },
  };
}

/** Waits until `n` more candles have closed on the server, then for the feed to catch up. */
async function closes(h: ReturnType<typeof harness>, n: number): Promise<void> {
  const target = Math.floor(sim.simNow() / DUR) * DUR + (n - 1) * DUR;
  for (let i = 0; i < 200 && (h.bars.at(-1)?.time ?? 0) < target; i++) await sleep(100);
  await h.feed.settled();
}

function expectExactlyServer(bars: Bar[]): void {
  const truth = sim.closedCandles("BTCUSD", TF, bars[0]!.time, bars.at(-1)!.time);
  expect(bars.map((b) => b.time)).toEqual(truth.map((b) => b.time)); // no hole, no duplicate, in order
  expect(bars).toEqual(truth);
}

describe("Delta feed against the local Delta server", () => {
  it("a dropped socket and a gap in the stream end with exactly the server's candles", async () => {
    const h = harness();
    await h.start();
    await closes(h, 3);
    expect(sim.dropSockets()).toBe(1);
    await sleep(3000);
    await closes(h, 2);
    sim.faults.gapBars = 3; // the server skips three candles on the live stream
    await closes(h, 6);
    h.stop();
    expectExactlyServer(h.bars);
    expect(h.feed.stats.connects).toBeGreaterThanOrEqual(2);
    expect(h.feed.stats.gaps).toBeGreaterThanOrEqual(2); // the reconnect and the skipped candles
    expect(h.feed.stats.backfilled).toBeGreaterThanOrEqual(5);
    expect(h.feed.pendingGaps).toEqual([]);
  });

  it("duplicate and out-of-order candles are skipped; malformed frames are counted and skipped", async () => {
    const h = harness();
    await h.start();
    await closes(h, 2);
    sim.faults.duplicate = 2;
    sim.faults.outOfOrder = 2;
    sim.faults.malformed = 4;
    await closes(h, 4);
    h.stop();
    expectExactlyServer(h.bars);
    expect(h.feed.stats.stale).toBeGreaterThanOrEqual(4);
    expect(h.feed.stats.malformed).toBe(4);
  });

  it("a 429 with X-RATE-LIMIT-RESET is waited out before the next request", async () => {
    const h = harness();
    const before = sim.stats.restTimes.length;
    sim.faults.rateLimit = { count: 2, resetMs: 400 };
    await h.start();
    const times = sim.stats.restTimes.slice(before);
    expect(h.waits.slice(0, 2)).toEqual([400, 400]);
    expect(times.length).toBe(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(390);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(390);
    await closes(h, 2);
    h.stop();
    expectExactlyServer(h.bars);
  });
});
