import { z } from "zod";
import { BarSchema } from "../market/bar";
import { SymbolSchema } from "../market/symbol";
import { TimeframeSchema } from "../market/timeframes";

/**
 * Market-data frames between the user's object and the MT5 connector (one JSON object per frame).
 * Bars travel in the shared Bar shape: `time` is the bar OPEN time in epoch ms UTC (the connector
 * converts MT5's seconds), and only CLOSED bars are sent: the forming bar never leaves the terminal.
 */
export { SymbolSchema };
export const MAX_RATES_COUNT = 5000;

/** Object -> connector: the last `count` closed bars of symbol/timeframe. */
export const RatesRequestSchema = z.object({
  type: z.literal("RATES_REQUEST"),
  id: z.string().min(1).max(64),
  symbol: SymbolSchema,
  timeframe: TimeframeSchema,
  count: z.number().int().min(1).max(MAX_RATES_COUNT),
});

export const RatesErrorSchema = z.object({
  code: z.enum(["unknown_symbol", "unsupported_timeframe", "terminal_unavailable", "no_data", "internal"]),
  message: z.string().max(500),
});

/** Connector -> object: answers the RATES_REQUEST with the same id; bars oldest first, or an error. */
export const RatesResponseSchema = z
  .object({
    type: z.literal("RATES_RESPONSE"),
    id: z.string().min(1).max(64),
    symbol: SymbolSchema,
    timeframe: TimeframeSchema,
    bars: z.array(BarSchema).max(MAX_RATES_COUNT).optional(),
    error: RatesErrorSchema.optional(),
  })
  .refine((m) => (m.bars === undefined) !== (m.error === undefined), {
    message: "exactly one of bars or error",
  });

/** Connector -> object: pushed once when a bar closes on the terminal. */
export const BarClosedSchema = z.object({
  type: z.literal("BAR_CLOSED"),
  symbol: SymbolSchema,
  timeframe: TimeframeSchema,
  bar: BarSchema,
});

export type RatesRequest = z.infer<typeof RatesRequestSchema>;
export type RatesResponse = z.infer<typeof RatesResponseSchema>;
export type RatesError = z.infer<typeof RatesErrorSchema>;
export type BarClosed = z.infer<typeof BarClosedSchema>;
