// The stored/returned shape of a backtest (CLI JSON, the object's store, the REST API).
import { z } from "zod";

export const BacktestTradeSchema = z.object({
  id: z.string(),
  side: z.enum(["BUY", "SELL"]),
  volume: z.number(),
  decisionTime: z.number().int(),
  confidence: z.number(),
  entryTime: z.number().int(),
  entryPrice: z.number(),
  sl: z.number().nullable(),
  tp: z.number().nullable(),
  exitTime: z.number().int(),
  exitPrice: z.number(),
  reason: z.enum(["sl", "tp", "trailing", "breakeven", "manual", "signal", "time", "end_of_data"]),
  grossPnl: z.number(),
  commission: z.number(),
  netPnl: z.number(),
});

const nullableNumber = z.number().nullable();
export const MetricsSchema = z.object({
  finalEquity: z.number(),
  totalReturn: z.number(),
  cagr: nullableNumber,
  sharpe: nullableNumber.describe("daily returns, annualised by sqrt(252), rf = 0"),
  sortino: nullableNumber.describe("daily returns, downside deviation over all days, sqrt(252)"),
  maxDrawdown: z.number(),
  trades: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  winRate: nullableNumber,
  profitFactor: nullableNumber,
  expectancy: nullableNumber,
  grossProfit: z.number(),
  grossLoss: z.number(),
  exposure: z.number(),
  tradingDays: z.number().int(),
  buyAndHold: z.object({ totalReturn: z.number(), cagr: nullableNumber, maxDrawdown: z.number() }),
  excessReturn: z.number(),
  beatsBuyAndHold: z.boolean(),
});

export const BacktestWindowSchema = z.object({
  start: z.number().int(),
  end: z.number().int(),
  bars: z.number().int(),
  decisionBars: z.number().int(),
  metrics: MetricsSchema,
  rejected: z.number().int(),
  gated: z.object({
    cooldown: z.number().int(),
    daily_limit: z.number().int(),
    max_open_positions: z.number().int(),
    protection: z.number().int().default(0).describe("entries refused while a protection paused the bot"),
  }),
});

export const BacktestReportSchema = z.object({
  format: z.literal("edgetrader-backtest/1"),
  symbol: z.string(),
  mode: z.enum(["models", "rules"]),
  baseTimeframe: z.string(),
  decisionTimeframe: z.string(),
  initialBalance: z.number(),
  currency: z.string(),
  costs: z.object({
    spreadPoints: z.number().nullable(),
    slippagePoints: z.number(),
    commissionPerLotPerSide: z.number(),
  }),
  summary: BacktestWindowSchema,
  /** Walk-forward: consecutive windows, each with a fresh account (models as given, not retrained). */
  windows: z.array(BacktestWindowSchema),
  trades: z.array(BacktestTradeSchema),
  /** Equity curve, at most MAX_CURVE_POINTS points [close time, equity]. */
  equityCurve: z.array(z.tuple([z.number().int(), z.number()])),
  notes: z.array(z.string()),
});

export type BacktestReport = z.infer<typeof BacktestReportSchema>;
export type BacktestWindow = z.infer<typeof BacktestWindowSchema>;
