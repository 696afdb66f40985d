// The backtester's fast paths answer exactly what the slow, validated paths answer.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkGates, type GateCounts, type GateResult, gateBlock, gateMessage } from "../decision/gates";
import type { FeatureMatrix } from "../features/compute";
import { FEATURE_SCHEMA } from "../features/schema";
import { PaperEngine } from "../paper/engine";
import { type Bar, BarSchema, PriceInputSchema } from "../paper/schemas";
import type { BotConfig } from "../protocol/bot-config";
import { ClientOrderIdSchema, OrderIntentSchema } from "../protocol/orders";
import { evaluateGroup } from "../strategy/evaluate";
import { strategyNames } from "../strategy/names";
import type { Rule, RuleNode } from "../strategy/schema";
import { checkedPaperBar, isPaperBar } from "./bar-check";
import { ClientOrderIds, type MarketIntent, trustedIntent, trustedMid } from "./order-check";
import { compileRowRule } from "./rule-rows";
import { SnapshotBuffer } from "./snapshot-buffer";

describe("isPaperBar accepts exactly what the paper engine's BarSchema accepts", () => {
  const price = fc.oneof(fc.constantFrom(0, -1, NaN, Infinity, 1e-9), fc.double({ min: 0.5, max: 2, noNaN: true }));
  const raw = fc.record(
    {
      symbol: fc.constant("USDCHF"),
      time: fc.oneof(fc.constantFrom(-1, 1.5, 2 ** 60, NaN), fc.nat()),
      open: price,
      high: price,
      low: price,
      close: price,
      spreadPoints: fc.oneof(fc.constantFrom(-1, NaN, 0), fc.double({ min: 0, max: 50, noNaN: true })),
    },
    { requiredKeys: ["symbol", "time", "open", "high", "low", "close"] },
  ) as fc.Arbitrary<Bar>;
  // Mostly consistent bars (random ones rarely are), edges included: low = open, high = close.
  const consistent = fc
    .record({
      o: fc.double({ min: 0.5, max: 2, noNaN: true }),
      c: fc.double({ min: 0.5, max: 2, noNaN: true }),
      up: fc.constantFrom(0, 0.001, 0.05),
      down: fc.constantFrom(0, 0.001, 0.05),
      t: fc.nat(),
    })
    .map(
      ({ o, c, up, down, t }): Bar => ({
        symbol: "USDCHF",
        time: t,
        open: o,
        close: c,
        high: Math.max(o, c) + up,
        low: Math.min(o, c) - down,
      }),
    );
  const bar = fc.oneof(raw, consistent);
  it("on random bars, valid and not", () => {
    let ok = 0;
    fc.assert(
      fc.property(bar, (b) => {
        const want = BarSchema.safeParse(b).success;
        if (want) ok++;
        expect(isPaperBar(b)).toBe(want);
        if (!want) expect(() => checkedPaperBar(b)).toThrow();
        else expect(checkedPaperBar(b)).toBe(b);
      }),
      { numRuns: 5000 },
    );
    expect(ok).toBeGreaterThan(500);
  });
});

describe("gateBlock + gateMessage = checkGates as it was (one function building the message)", () => {
  // checkGates before the split, verbatim.
  const before = (config: Pick<BotConfig, "execution" | "risk">, counts: GateCounts, now: number): GateResult => {
    const { cooldownMinutes, dailyTradeLimit } = config.execution;
    if (counts.lastAt !== null && cooldownMinutes > 0) {
      const since = now - counts.lastAt;
      if (since < cooldownMinutes * 60_000) {
        return {
          ok: false,
          reason: "cooldown",
          message: `cooldown: last trade ${Math.floor(since / 60_000)} min ago, cooldown is ${cooldownMinutes} min`,
        };
      }
    }
    if (counts.today >= dailyTradeLimit) {
      return {
        ok: false,
        reason: "daily_limit",
        message: `daily limit: ${counts.today} trades today (UTC), limit is ${dailyTradeLimit}`,
      };
    }
    const max = config.risk.maxOpenPositions;
    if (counts.openPositions !== undefined && counts.openPositions >= max) {
      return {
        ok: false,
        reason: "max_open_positions",
        message: `max open positions: ${counts.openPositions} open, limit is ${max}`,
      };
    }
    return { ok: true };
  };
  it("on random configs and counts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: -1e8, max: 1e8 }), { nil: null }),
        fc.integer({ min: 0, max: 25 }),
        fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
        (cooldownMinutes, dailyTradeLimit, maxOpenPositions, lastAgo, today, openPositions) => {
          const config = {
            execution: { cooldownMinutes, dailyTradeLimit },
            risk: { maxOpenPositions },
          } as unknown as Pick<BotConfig, "execution" | "risk">;
          const now = 1_700_000_000_000;
          const counts: GateCounts = {
            lastAt: lastAgo === null ? null : now - lastAgo,
            today,
            ...(openPositions !== undefined ? { openPositions } : {}),
          };
          const want = before(config, counts, now);
          expect(checkGates(config, counts, now)).toEqual(want);
          const r = gateBlock(config, counts, now);
          expect(r).toBe(want.ok ? null : want.reason);
          if (r) expect(gateMessage(r, config, counts, now)).toBe((want as { message: string }).message);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe("the backtester's orders: trustedIntent/trustedMid = the schemas' output, clientOrderId = `${botId}:${c}`", () => {
  const px = fc.oneof(fc.constantFrom(0, -1, NaN, Infinity, 1e-9, 0.9), fc.double({ min: 0.5, max: 2, noNaN: true }));
  const intent = fc.record({
    side: fc.constantFrom("BUY", "SELL", "HOLD"),
    symbol: fc.constantFrom("USDCHF", "EURUSD", "X", "US 30", "BTCUSD.p", ""),
    volume: fc.oneof(
      fc.constantFrom(0, -0.01, NaN, Infinity, 10_000, 10_000.01, 0.01),
      fc.double({ min: 0, max: 20_000, noNaN: true }),
    ),
    sl: fc.oneof(fc.constant(null), px),
    tp: fc.oneof(fc.constant(null), px),
    client_order_id: fc.oneof(
      fc.constantFrom("", "backtest:1700000000000", "bot 1:1", "a".repeat(64), "a".repeat(65), "b:ü"),
      fc.string({ maxLength: 70 }),
    ),
  }) as unknown as fc.Arbitrary<MarketIntent>;
  it("never accepts what OrderIntentSchema refuses, returns what it returns, accepts all it accepts", () => {
    let ok = 0;
    fc.assert(
      fc.property(intent, (o) => {
        const want = OrderIntentSchema.safeParse(o);
        const got = trustedIntent(o);
        if (want.success) ok++;
        expect(got !== null).toBe(want.success);
        if (got) expect(got).toStrictEqual(want.data);
      }),
      { numRuns: 20_000 },
    );
    expect(ok).toBeGreaterThan(500);
  });
  it("trustedMid", () => {
    for (const mid of [0.9, 1e-9, 0, -1, NaN, Infinity, 1.23456]) {
      const want = PriceInputSchema.safeParse({ mid });
      const got = trustedMid(mid);
      expect(got !== null).toBe(want.success);
      if (got) expect(got).toStrictEqual(want.data);
    }
  });
  it("ClientOrderIds: `${botId}:${c}`, valid only when ClientOrderIdSchema accepts it", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 2 ** 53 - 1 }),
          fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
          fc.constantFrom(0, 999_999, 1e6, 1e6 + 1, 2e15 - 1, 2e15, -5, 1.5, NaN, 1e21),
        ),
        fc.oneof(
          fc.constantFrom("backtest", "bot-1", "", "a b", "x".repeat(50), "2b4c1d3e-0000-4000-8000-000000000000"),
          fc.string({ maxLength: 60 }),
        ),
        (c, bot) => {
          const ids = new ClientOrderIds(bot);
          const id = ids.id(c);
          expect(id).toBe(`${bot}:${c}`);
          if (ids.valid(id, c)) expect(ClientOrderIdSchema.safeParse(id).success).toBe(true);
          if (/^[\w.-]*$/.test(bot) && Number.isSafeInteger(c) && c >= 0 && id.length <= 64)
            expect(ids.valid(id, c)).toBe(true);
          const o: MarketIntent = { side: "BUY", symbol: "USDCHF", volume: 0.1, sl: 0.9, tp: 1.1, client_order_id: id };
          if (ids.valid(id, c)) expect(trustedIntent(o, true)).toStrictEqual(OrderIntentSchema.parse(o));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

describe("PaperEngine.submitTrusted / processTrustedBar answer like submit / processBar", () => {
  const P = 0.00001;
  const px = (pts: number) => Number((pts * P).toFixed(5));
  const step = fc.record({
    gap: fc.oneof(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -600, max: 600 })),
    up: fc.integer({ min: 0, max: 300 }),
    down: fc.integer({ min: 0, max: 300 }),
    closeFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    order: fc.option(
      fc.record({
        side: fc.constantFrom("BUY" as const, "SELL" as const),
        lots: fc.oneof(
          fc.integer({ min: 1, max: 300 }).map((x) => x / 100),
          fc.constantFrom(0, 0.001, 5000),
        ),
        sl: fc.option(fc.integer({ min: -50, max: 500 }), { nil: null }),
        tp: fc.option(fc.integer({ min: -50, max: 800 }), { nil: null }),
        dup: fc.boolean(),
      }),
      { nil: null },
    ),
  });
  it("same results, events and state on random order/bar sequences (stops on both sides, duplicates, rejections)", () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 5 }),
        (steps, spread, slippage) => {
          const settings = {
            initialBalance: 20_000,
            spreadPoints: { USDCHF: spread },
            slippagePoints: slippage,
            maxRememberedOrders: 4,
          };
          const a = PaperEngine.create(settings);
          const b = PaperEngine.create(settings);
          let close = 90_000;
          let time = Date.UTC(2024, 0, 1);
          steps.forEach((s, i) => {
            time += 30 * 60_000;
            const open = close + s.gap;
            const high = open + s.up;
            const low = open - s.down;
            close = Math.round(low + (high - low) * s.closeFrac);
            if (s.order) {
              const o = s.order;
              const dir = o.side === "BUY" ? 1 : -1;
              const intent: MarketIntent = {
                side: o.side,
                symbol: "USDCHF",
                volume: o.lots,
                sl: o.sl === null ? null : px(open - dir * o.sl),
                tp: o.tp === null ? null : px(open + dir * o.tp),
                client_order_id: `bt:${o.dup ? 0 : i}`,
              };
              const ctx = { time, price: { mid: px(open) } };
              const want = a.submit(intent, ctx);
              const order = trustedIntent(intent);
              const got = order
                ? b.submitTrusted(order, { time, price: trustedMid(px(open))! })
                : b.submit(intent, ctx);
              expect(got).toStrictEqual(want);
            }
            const bar: Bar = { symbol: "USDCHF", time, open: px(open), high: px(high), low: px(low), close: px(close) };
            expect(b.processTrustedBar(checkedPaperBar({ ...bar }))).toStrictEqual(a.processBar(bar));
            expect(b.account()).toStrictEqual(a.account());
          });
          expect(b.toJSON()).toStrictEqual(a.toJSON());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("compileRowRule(g, series)(k) = evaluateGroup(g, SnapshotBuffer.fill(series, k)).passed", () => {
  // Real feature names (some adjacent columns), prices, and a name that is neither.
  const names = ["rsi_14", "macd", "macd_signal", "ret_1", "close", "open", "high", "low", "nope"] as const;
  const leaf = fc.record({
    indicator: fc.constantFrom(...names),
    op: fc.constantFrom("<", "<=", ">", ">=", "crosses_above", "crosses_below"),
    value: fc.oneof(
      fc.constantFrom(0, 1, 30, -1),
      fc.double({ min: -100, max: 100, noNaN: true }),
      fc.record({ indicator: fc.constantFrom(...names) }),
    ),
  }) as unknown as fc.Arbitrary<Rule>;
  const { tree } = fc.letrec<{ tree: RuleNode }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.record({ all: fc.array(tie("tree"), { minLength: 0, maxLength: 4 }) }),
      fc.record({ any: fc.array(tie("tree"), { minLength: 0, maxLength: 4 }) }),
    ) as fc.Arbitrary<RuleNode>,
  }));
  // Few distinct values so ties and crosses happen; NaN and infinities are missing readings.
  const v = fc.oneof(
    fc.constantFrom(0, 1, 30, -1, NaN, Infinity, -Infinity),
    fc.double({ min: -100, max: 100, noNaN: true }),
  );
  it("on random trees over random rows (ties, NaN, Infinity, unknown names, OHLC)", () => {
    const F = FEATURE_SCHEMA.names.length;
    let passed = 0;
    fc.assert(
      fc.property(
        tree,
        fc.array(fc.tuple(fc.array(v, { minLength: F, maxLength: F }), v, v, v, v), { minLength: 2, maxLength: 4 }),
        fc.nat(),
        (g, rows, pick) => {
          const fm: FeatureMatrix = {
            values: Float64Array.from(rows.flatMap((r) => r[0])),
            stride: F,
            count: rows.length,
            validFrom: 0,
            times: rows.map((_, i) => i),
          };
          const bars = rows.map((r, i) => ({ time: i, open: r[1], high: r[2], low: r[3], close: r[4] }));
          const k = 1 + (pick % (rows.length - 1));
          const want = evaluateGroup(
            g as never,
            new SnapshotBuffer(strategyNames({ buy: g, sell: null } as never)).fill(fm, bars, k),
          ).passed;
          if (want) passed++;
          expect(compileRowRule(g, fm, bars)(k)).toBe(want);
        },
      ),
      { numRuns: 5000 },
    );
    expect(passed).toBeGreaterThan(300);
  });
});
