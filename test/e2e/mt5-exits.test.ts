// Issue 17 on the MT5 path, end to end: wrangler dev (the user's object runs the bot cycles with
// the shipped USDCHF 2h model on the replay feed, sped up so a 2h bar closes every 10 s), the real
// connector process and the simulated MT5 terminal executing the orders. A user's bots: an RSI exit
// rule closes an MT5 position with reason `signal` while the daily limit keeps entries shut; a
// long-only bot never sends a SELL; the opposite signal closes a position and reverses it; on a
// netting MT5 account every bot is refused with the reason and nothing reaches the terminal. The
// model's signals are the shipped model's on replayed bars, so the loops wait (bounded) for them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { TradeView } from "../../core/protocol/events";
import type { ActivityViewSchema, CycleResult } from "../../core/protocol/portfolio-api";
import { type Api, type Platform, startPlatform, until } from "./platform";
import { startRig } from "./rig";

/** 12 min of replay per real second: the 2h decision bar closes every 10 s. */
const REPLAY_SPEED = "720";

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform("mt5-exits", ["--var", `REPLAY_SPEED:${REPLAY_SPEED}`]);
}, 150_000);
afterAll(async () => {
  await platform?.stop();
});

/** An RSI rule that holds on every bar (RSI is within 0..100): the exit fires on the first cycle that holds a position. */
const RSI_ALWAYS = { all: [{ indicator: "rsi_14", op: ">=", value: 0 }] };

function botBody(
  name: string,
  execution: Record<string, unknown>,
  strategy: Record<string, unknown> = {},
  exits: Record<string, unknown> = {},
) {
  return {
    name,
    symbol: "USDCHF",
    config: {
      ensemble: { models: [{ timeframe: "2h", weight: 1 }] },
      strategy,
      exits,
      risk: { stops: { mode: "none" }, sizing: { mode: "fixed", lots: 0.1 } },
      execution: {
        target: "connector",
        confidenceThreshold: 0.34,
        cooldownMinutes: 0,
        cadenceMinutes: 1,
        ...execution,
      },
    },
  };
}

async function createBot(api: Api, body: ReturnType<typeof botBody>): Promise<string> {
  const r = await api.call<{ id: string }>("POST", "/ml/models", body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const m = await api.call("POST", `/ml/models/${r.body.id}/shipped-models`);
  expect(m.status, JSON.stringify(m.body)).toBeLessThan(300);
  const a = await api.call("POST", `/ml/models/${r.body.id}/activate`);
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  return r.body.id;
}

async function trigger(api: Api): Promise<CycleResult[]> {
  const r = await api.call<{ results: CycleResult[] }>("POST", "/ml/auto-trading/trigger");
  expect(r.status).toBe(200);
  return r.body.results;
}

async function botTrades(api: Api, botId: string): Promise<TradeView[]> {
  const r = await api.call<{ trades: TradeView[] }>("GET", `/trades/history?bot_id=${botId}&limit=200`);
  expect(r.status).toBe(200);
  return r.body.trades;
}

async function activities(api: Api): Promise<ActivityView[]> {
  const r = await api.call<{ activities: ActivityView[] }>("GET", "/activities/recent?limit=500");
  expect(r.status).toBe(200);
  return r.body.activities;
}

type ActivityView = z.infer<typeof ActivityViewSchema>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("issue 17 on MT5: exits through the connector and the simulated terminal", () => {
  it("an RSI exit rule closes the MT5 position with reason signal while the daily limit shuts entries; a long-only bot sends no SELL", {
    timeout: 300_000,
  }, async () => {
    const rig = await startRig(platform.url);
    const { api, sim } = rig;
    try {
      // One trade a day: once it opened, every later cycle is past the entry gate; only the exit runs.
      const exitBot = await createBot(
        api,
        botBody("rsi exit", { dailyTradeLimit: 1 }, { exit_long: RSI_ALWAYS, exit_short: RSI_ALWAYS }),
      );
      const longOnly = await createBot(api, botBody("long only", { direction: "long_only", dailyTradeLimit: 1000 }));
      const results: CycleResult[] = [];
      let closed: TradeView | undefined;
      let sawSellRefused = false;
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline && !(closed && sawSellRefused)) {
        results.push(...(await trigger(api)));
        closed ??= (await botTrades(api, exitBot)).find((t) => t.status === "closed");
        sawSellRefused ||= results.some((r) => r.bot_id === longOnly && r.reason === "direction");
        await sleep(1000);
      }
      // The exit: opened at the terminal, closed there by the exit rule, booked with reason signal.
      const seen = [...new Set(results.map((r) => r.reason.slice(0, 60)))].join(" | ");
      expect(closed, `the exit bot's trade opened and closed (cycles: ${seen})`).toBeDefined();
      expect(closed).toMatchObject({ status: "closed", reason: "signal", target: "connector" });
      const ticket = closed!.broker_ticket!;
      const out = sim.deals.find((d) => d.entry === "out" && d.position === ticket);
      expect(out, "closing deal at the terminal").toBeDefined();
      expect(closed!.exit_price).toBeCloseTo(out!.price, 10);
      expect(sim.positions.has(ticket)).toBe(false);
      const acts = await activities(api);
      expect(
        acts.some(
          (a) =>
            a.bot_id === exitBot &&
            a.message.includes(`exit_${closed!.side === "BUY" ? "long" : "short"}: (rsi_14 >= 0)`),
        ),
        "the exit's activity names the rule",
      ).toBe(true);
      // Entries stayed shut (one trade today): the exit ran anyway, and nothing else was opened.
      expect((await botTrades(api, exitBot)).length).toBe(1);
      expect(results.some((r) => r.bot_id === exitBot && r.reason === "daily_limit")).toBe(true);

      // Long-only: SELL signals were seen and refused; not one SELL reached the terminal.
      expect(sawSellRefused, `a SELL signal reached the long-only bot (cycles: ${seen})`).toBe(true);
      expect(
        acts.some((a) => a.bot_id === longOnly && a.message.includes("long-only bot: a SELL signal opens no short")),
      ).toBe(true);
      const longOnlyTrades = await botTrades(api, longOnly);
      expect(longOnlyTrades.filter((t) => t.side === "SELL")).toEqual([]);
      const sellDeals = sim.deals.filter((d) => d.entry === "in" && d.side === "SELL");
      const exitBotSells = (await botTrades(api, exitBot)).filter((t) => t.side === "SELL").length;
      expect(sellDeals.length).toBe(exitBotSells);
    } finally {
      await rig.stop();
    }
  });

  it("the opposite signal closes the MT5 position (reason signal) and, with reverse, opens the other side in the same cycle", {
    timeout: 300_000,
  }, async () => {
    const rig = await startRig(platform.url);
    const { api, sim } = rig;
    try {
      const bot = await createBot(
        api,
        botBody("reverse", { dailyTradeLimit: 1000 }, {}, { onOppositeSignal: true, reverse: true }),
      );
      const results: CycleResult[] = [];
      let pair: { closed: TradeView; next: TradeView } | undefined;
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline && !pair) {
        results.push(...(await trigger(api)));
        const trades = (await botTrades(api, bot)).sort((a, b) => a.created_at - b.created_at);
        for (let i = 1; i < trades.length && !pair; i++) {
          const [a, b] = [trades[i - 1]!, trades[i]!];
          if (a.status === "closed" && a.reason === "signal" && b.side !== a.side && b.broker_ticket)
            pair = { closed: a, next: b };
        }
        await sleep(1000);
      }
      const seen = [...new Set(results.map((r) => r.reason.slice(0, 60)))].join(" | ");
      expect(pair, `a position closed by the opposite signal and the reversal (cycles: ${seen})`).toBeDefined();
      const { closed, next } = pair!;
      // The reversal was sent by the cycle that closed the position: same decision bar.
      const cycle = results.find((r) => r.bot_id === bot && r.trade_id === next.id);
      expect(cycle).toMatchObject({ outcome: "pending" }); // a connector order: sent, filled at the terminal later
      expect(next.client_order_id).toBe(`${bot}:${cycle!.bar_time}`);
      const acts = await activities(api);
      const word = closed.side === "BUY" ? "long" : "short";
      expect(
        acts.some(
          (a) => a.bot_id === bot && a.message.includes(`opposite signal: ${next.side} closes the ${word} position`),
        ),
      ).toBe(true);
      // At the terminal: the old position closed by its own deal at the booked price, the new one opened.
      const out = sim.deals.find((d) => d.entry === "out" && d.position === closed.broker_ticket);
      expect(out).toBeDefined();
      expect(closed.exit_price).toBeCloseTo(out!.price, 10);
      expect(sim.deals.some((d) => d.entry === "in" && d.position === next.broker_ticket && d.side === next.side)).toBe(
        true,
      );
    } finally {
      await rig.stop();
    }
  });

  it("on a netting MT5 account every bot is refused with the reason (hedging or netting mode); nothing reaches the terminal", {
    timeout: 120_000,
  }, async () => {
    const rig = await startRig(platform.url, { sim: { marginMode: "netting" } });
    const { api, sim } = rig;
    try {
      const hedging = await createBot(api, botBody("hedging on netting", {}));
      const netting = await createBot(api, botBody("netting on netting", { positionMode: "netting" }));
      const results = await until(
        () => trigger(api),
        (rs) => rs.filter((r) => r.reason === "account_mode").length === 2,
        30_000,
        "both bots refused for the account mode",
      );
      expect(results.map((r) => [r.bot_id, r.outcome]).sort()).toEqual(
        [
          [hedging, "skipped"],
          [netting, "skipped"],
        ].sort(),
      );
      const acts = await activities(api);
      expect(acts.find((a) => a.bot_id === hedging && a.type === "skip")?.message).toMatch(
        /MT5 account is a netting account: a hedging bot cannot trade it/,
      );
      expect(acts.find((a) => a.bot_id === netting && a.type === "skip")?.message).toMatch(
        /MT5 account is a netting account: the connector trades hedging accounts only/,
      );
      expect(sim.stats.requests["open"]).toBeUndefined();
      expect(sim.positions.size).toBe(0);
    } finally {
      await rig.stop();
    }
  });
});
