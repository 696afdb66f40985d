import { type Strategy, StrategySchema } from "./schema";

export interface StrategyPreset {
  id: string;
  title: string;
  description: string;
  strategy: Strategy;
}

const macdCross = (op: "crosses_above" | "crosses_below") =>
  ({ indicator: "macd", op, value: { indicator: "macd_signal" } }) as const;

/**
 * Ready-made strategies. Parsed through StrategySchema at load, so a renamed feature fails here
 * (and in presets.test.ts) instead of silently blocking every trade.
 */
export const STRATEGY_PRESETS: readonly StrategyPreset[] = [
  {
    id: "none",
    title: "Model only",
    description: "No rules: the ensemble decides alone.",
    strategy: { buy: null, sell: null },
  },
  {
    id: "rsi_macd_reversal",
    title: "RSI extreme + MACD cross (the seeds' rule)",
    description:
      "BUY only when RSI(14) < 30 and MACD crosses above its signal; SELL only when RSI(14) > 70 and MACD crosses below it.",
    strategy: {
      buy: { all: [{ indicator: "rsi_14", op: "<", value: 30 }, macdCross("crosses_above")] },
      sell: { all: [{ indicator: "rsi_14", op: ">", value: 70 }, macdCross("crosses_below")] },
    },
  },
  {
    id: "trend_filter",
    title: "Trade with the trend",
    description:
      "BUY above the 50 EMA in a trending market (ADX > 20) with bullish momentum (MACD above signal or RSI > 50); SELL mirrored.",
    strategy: {
      buy: {
        all: [
          { indicator: "ema_50_dist", op: ">", value: 0 },
          { indicator: "adx_14", op: ">", value: 20 },
          {
            any: [
              { indicator: "macd", op: ">", value: { indicator: "macd_signal" } },
              { indicator: "rsi_14", op: ">", value: 50 },
            ],
          },
        ],
      },
      sell: {
        all: [
          { indicator: "ema_50_dist", op: "<", value: 0 },
          { indicator: "adx_14", op: ">", value: 20 },
          {
            any: [
              { indicator: "macd", op: "<", value: { indicator: "macd_signal" } },
              { indicator: "rsi_14", op: "<", value: 50 },
            ],
          },
        ],
      },
    },
  },
  {
    id: "band_reversion",
    title: "Bollinger band reversion",
    description:
      "BUY when price is below the lower band or RSI(14) < 30; SELL when above the upper band or RSI(14) > 70.",
    strategy: {
      buy: {
        any: [
          { indicator: "bb_pctb_20", op: "<", value: 0 },
          { indicator: "rsi_14", op: "<", value: 30 },
        ],
      },
      sell: {
        any: [
          { indicator: "bb_pctb_20", op: ">", value: 1 },
          { indicator: "rsi_14", op: ">", value: 70 },
        ],
      },
    },
  },
].map((p) => ({ ...p, strategy: StrategySchema.parse(p.strategy) }));

export function strategyPreset(id: string): StrategyPreset | undefined {
  return STRATEGY_PRESETS.find((p) => p.id === id);
}
