// Crash fault: wrangler dev (workerd, local D1/DO persistence) is SIGKILLed at a random point while
// manual orders and auto-trading cycles are in flight, then restarted on the same persistence dir.
// Nothing acknowledged before the kill may be lost or doubled: trades (D1 history), positions, the
// event log (gap-free `since` continuation), the outbox, and client-order-id idempotency.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PositionView, TradeView } from "../../core/protocol/events";
import type {
  AutoTradingHealth,
  ExecutionResult,
  PortfolioStatus,
  TradesHistoryResponse,
} from "../../core/protocol/portfolio-api";
import { mulberry32 as rng } from "../../core/random/prng";
import { CrashablePlatform, type Frame, RecordingSocket } from "./crash-platform";
import { Api, freePort, until } from "./platform";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KILLS = 3;
const SEED = Number(process.env.RESTART_SEED ?? Date.now() % 1_000_000);

type Sent = { cid: string; side: "BUY" | "SELL" };
type Ack = Sent & { trade: TradeView; status: number };

/** One POST /trade without retries: a response carrying a trade is an acknowledgement. */
async function placeOnce(base: string, token: string, o: Sent): Promise<Ack | null> {
  const res = await fetch(`${base}/api/v1/trade`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ side: o.side, symbol: "USDCHF", volume: 0.01, client_order_id: o.cid, target: "paper" }),
  });
  const body = (await res.json()) as ExecutionResult | { error: { details?: { trade?: TradeView } } };
  const trade = "trade" in body ? body.trade : (body.error.details?.trade ?? null);
  return trade ? { ...o, trade, status: res.status } : null;
}

async function allTrades(api: Api): Promise<TradeView[]> {
  const out: TradeView[] = [];
  let cursor: string | null = null;
  do {
    const r: { status: number; body: TradesHistoryResponse } = await api.call<TradesHistoryResponse>(
      "GET",
      `/trades/history?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(r.status).toBe(200);
    out.push(...r.body.trades);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

/** Seqs must run without holes from `from` + 1 (a resync frame is the only allowed break). */
function assertContinuous(frames: Frame[], from: number, what: string): number {
  let last = from;
  for (const f of frames) {
    if (f.type === "resync_required")
      throw new Error(
        `${what}: resync_required after ${last} (oldest ${f.oldest_seq}); the log should still hold these`,
      );
    if (typeof f.seq !== "number") continue;
    if (f.seq !== last + 1)
      throw new Error(
        `${what}: expected seq ${last + 1}, got ${f.seq} (${f.seq > last + 1 ? "gap" : "repeat/out of order"})`,
      );
    last = f.seq;
  }
  return last;
}

describe(`restart: SIGKILL wrangler dev mid-run (seed ${SEED})`, () => {
  const persistTo = mkdtempSync(join(tmpdir(), "edgetrader-restart-"));
  let platform: CrashablePlatform;
  let api: Api;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    await CrashablePlatform.prepare(persistTo);
    platform = new CrashablePlatform(persistTo, await freePort(), ["--var", "REPLAY_SPEED:2000"], "restart");
    await platform.start();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await platform?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it(`loses and doubles nothing across ${KILLS} kills`, async () => {
    const random = rng(SEED);
    const { seedDemo, DEMO_EMAIL, DEMO_PASSWORD } = (await import(
      pathToFileURL(join(ROOT, "scripts/lib/demo.mjs")).href
    )) as {
      seedDemo(url: string): Promise<{ botId: string }>;
      DEMO_EMAIL: string;
      DEMO_PASSWORD: string;
    };
    await seedDemo(platform.url);
    api = new Api(platform.url);
    const login = await api.call<{ access_token: string }>("POST", "/auth/login", {
      email: DEMO_EMAIL,
      password: DEMO_PASSWORD,
    });
    expect(login.status).toBe(200);
    api.token = login.body.access_token;

    let socket = await RecordingSocket.open(platform.url, api.token);
    sockets.push(socket);
    const acked: Ack[] = [];
    const unknown: Sent[] = []; // in flight at the kill: may or may not exist, never twice
    let firstSeq: number | null = null;
    let lastSeq = 0;
    let n = 0;
    const next = (): Sent => ({ cid: `restart-${SEED}-${n}`, side: n++ % 2 === 0 ? "BUY" : "SELL" });
    const stats = { kills: 0, killedPids: 0, replayed: 0, cycles: 0 };

    for (let round = 0; round < KILLS; round++) {
      // Steady traffic, every answer awaited.
      for (let i = 0; i < 3; i++) {
        const a = await placeOnce(platform.url, api.token, next());
        if (!a) throw new Error("a manual order was not answered with a trade");
        acked.push(a);
      }
      const cycle = await api.call("POST", "/ml/auto-trading/trigger");
      expect(cycle.status).toBe(200);
      stats.cycles++;

      // A burst still in flight when the process dies.
      const burst = [next(), next(), next()];
      const orders = Promise.allSettled(burst.map((o) => placeOnce(platform.url, api.token, o))); // settled now: most die with the server
      const cycleInFlight = api.call("POST", "/ml/auto-trading/trigger").catch(() => null);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 400)));
      const seenBeforeKill = socket.events();
      const pids = await platform.crash();
      stats.kills++;
      stats.killedPids += pids.length;
      expect(pids.length).toBeGreaterThan(1); // wrangler and its workerd
      const settled = await orders;
      await cycleInFlight;
      burst.forEach((o, i) => {
        const s = settled[i]!;
        if (s.status === "fulfilled" && s.value) acked.push(s.value);
        else unknown.push(o);
      });
      // Only frames that arrived before the kill count as delivered.
      if (firstSeq === null && seenBeforeKill.length > 0) firstSeq = seenBeforeKill[0]!.seq;
      const before = seenBeforeKill.at(-1)?.seq ?? lastSeq;
      socket.close();

      await platform.start();
      // Reconnect exactly like the dashboard: since = last seq seen.
      socket = await RecordingSocket.open(platform.url, api.token, before);
      sockets.push(socket);
      // A new event after the restart proves the replay is complete up to it (replay precedes live frames).
      const probe = await placeOnce(platform.url, api.token, next());
      if (!probe) throw new Error("first order after restart was not answered with a trade");
      acked.push(probe);
      await until(
        async () => socket.events(),
        (evs) => evs.some((e) => e.type === "trade" && (e.data as TradeView).id === probe.trade.id),
        20_000,
        "probe trade event after restart",
      );
      lastSeq = assertContinuous(socket.frames, before, `round ${round} reconnect since=${before}`);
      stats.replayed += socket.events().length;

      // Idempotent retry of an order acknowledged before the kill: the same trade, nothing new.
      const old = acked[acked.length - 2]!;
      const retry = await placeOnce(platform.url, api.token, old);
      expect(retry?.status, `retry of ${old.cid}`).toBe(200);
      expect(retry?.trade.id).toBe(old.trade.id);
    }

    // Settle the orders whose fate the kill hid: a retry either finds the trade or places it once.
    for (const o of unknown) {
      const r = await placeOnce(platform.url, api.token, o);
      if (!r) throw new Error(`retry of in-flight ${o.cid} was not answered with a trade`);
    }

    // The outbox drains to D1 (it was interrupted three times).
    const health = await until(
      () => api.call<AutoTradingHealth>("GET", "/ml/auto-trading/health").then((r) => r.body),
      (h) => h.outbox.pending === 0 && h.outbox.dead === 0,
      60_000,
      "outbox drained",
    );
    expect(health.outbox).toMatchObject({ pending: 0, dead: 0 });

    // D1: every acknowledged trade exists, with the state it was acknowledged in or a later one.
    const trades = await allTrades(api);
    const byId = new Map(trades.map((t) => [t.id, t]));
    for (const a of acked) {
      const t = byId.get(a.trade.id);
      expect(t, `acknowledged trade ${a.cid} (${a.trade.id}) in D1`).toBeDefined();
      expect(t!.client_order_id).toBe(a.cid);
      if (a.trade.status === "open") expect(["open", "closed"]).toContain(t!.status);
      else expect(t!.status).toBe(a.trade.status);
    }
    // No client order id twice, and every manual order of this test exactly once.
    const cids = trades.map((t) => t.client_order_id);
    expect(new Set(cids).size).toBe(cids.length);
    for (let i = 0; i < n; i++) expect(cids.filter((c) => c === `restart-${SEED}-${i}`)).toHaveLength(1);

    // Positions: the live view and the portfolio agree, and match the open trades in D1.
    // (Fetched together until they agree: a bot position may close by SL/TP between two reads.)
    const view = await until(
      async () => {
        const positions = (await api.call<{ positions: PositionView[] }>("GET", "/positions")).body.positions;
        const portfolio = (await api.call<PortfolioStatus>("GET", "/portfolio/status")).body;
        const trades = await allTrades(api);
        return { positions, portfolio, trades, openTrades: trades.filter((t) => t.status === "open") };
      },
      (v) => v.positions.length === v.portfolio.positions.length && v.openTrades.length === v.positions.length,
      30_000,
      "positions, portfolio and open trades in D1 agree",
    );
    const { positions, portfolio, openTrades } = view;
    expect(positions.map((p) => p.id).sort()).toEqual(portfolio.positions.map((p) => p.id).sort());
    expect(portfolio.account.open_positions).toBe(positions.length);
    expect(openTrades.map((t) => t.id).sort()).toEqual(positions.map((p) => p.trade_id).sort());
    for (const a of acked.filter((x) => x.trade.status === "open")) {
      const open = positions.some((p) => p.trade_id === a.trade.id);
      expect(
        open || view.trades.find((t) => t.id === a.trade.id)?.status === "closed",
        `${a.cid}: open position or closed trade`,
      ).toBe(true);
    }

    // Event log: every event delivered before any kill is still there, unchanged, gap-free to now.
    const all = await RecordingSocket.open(platform.url, api.token, (firstSeq ?? 1) - 1);
    sockets.push(all);
    await until(
      async () => all.events(),
      (evs) => (evs.at(-1)?.seq ?? 0) >= lastSeq,
      20_000,
      "full replay",
    );
    assertContinuous(all.frames, (firstSeq ?? 1) - 1, "full replay");
    const logged = new Map(all.events().map((e) => [e.seq, e]));
    let checked = 0;
    for (const s of sockets.slice(0, -1)) {
      for (const e of s.events()) {
        expect(logged.get(e.seq), `event ${e.seq} (${e.type}) still logged`).toEqual(e);
        checked++;
      }
    }
    // Each acknowledged trade was announced by a durable trade event.
    const tradeEvents = new Set(
      all
        .events()
        .filter((e) => e.type === "trade")
        .map((e) => (e.data as TradeView).id),
    );
    for (const a of acked) expect(tradeEvents.has(a.trade.id), `trade event for ${a.cid}`).toBe(true);

    console.log(
      `restart seed=${SEED}: kills=${stats.kills} (pids ${stats.killedPids}), cycles=${stats.cycles + KILLS}, orders=${n}, acked=${acked.length}, ` +
        `in-flight unknown=${unknown.length}, D1 trades=${trades.length}, open positions=${positions.length}, events checked=${checked}, reconnect frames=${stats.replayed}, log seq ${firstSeq ?? 1}..${all.lastSeq()}`,
    );
  });
});
