import { z } from "zod";

/**
 * The one order intent shared by the manual `POST /trade`, the auto-trading cycle and the
 * connector's TRADE_COMMAND. Snake case because it travels as JSON between all three.
 */
export const TradeSideSchema = z.enum(["BUY", "SELL"]);
export type TradeSide = z.infer<typeof TradeSideSchema>;

/** Travels to the broker (MT5 comment/magic) so a retry can be matched; a retry reuses it. */
export const ClientOrderIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only");

const price = z.number().finite().positive();
const lots = z.number().finite().positive().max(10_000);

/** Trailing stop managed by the engine: SL follows the best price at `distance_points`. */
export const TrailingStopSchema = z.object({
  distance_points: z.number().int().positive(),
  /** Start trailing only once the position is this many points in profit (absent: at once). */
  activation_points: z.number().int().nonnegative().optional(),
});
export type TrailingStop = z.infer<typeof TrailingStopSchema>;

/** Move SL to entry + lock once the position is `trigger_points` in profit (once). */
export const BreakevenSchema = z
  .object({
    trigger_points: z.number().int().positive(),
    lock_points: z.number().int().nonnegative().default(0),
  })
  .refine((b) => b.lock_points < b.trigger_points, {
    message: "lock_points must be below trigger_points",
    path: ["lock_points"],
  });
export type Breakeven = z.infer<typeof BreakevenSchema>;

/** Wire shape (for OpenAPI and for parsing): `volume` or its alias `lot_size`. */
export const OrderIntentInputSchema = z.object({
  side: TradeSideSchema,
  symbol: z.string().regex(/^[A-Za-z0-9._#-]{2,32}$/, "symbol like EURUSD"),
  volume: lots.optional(),
  lot_size: lots.optional(),
  sl: price.nullable().optional(),
  tp: price.nullable().optional(),
  client_order_id: ClientOrderIdSchema,
  /** MT5 caps comments at 31 characters. */
  comment: z.string().max(31).optional(),
  trailing_stop: TrailingStopSchema.optional(),
  breakeven: BreakevenSchema.optional(),
  /**
   * Stops relative to the fill: `sl`/`tp` were planned from this price; the paper engine moves both
   * by (fill - stops_anchor), rounded to the tick, before checking and placing them. Absent: as given.
   */
  stops_anchor: price.optional(),
});

/** Parsed intent: exactly one volume, SL/TP on the right sides of each other. */
export const OrderIntentSchema = OrderIntentInputSchema.superRefine((o, ctx) => {
  if (o.volume === undefined && o.lot_size === undefined) {
    ctx.addIssue({ code: "custom", message: "volume (or lot_size) is required", path: ["volume"] });
  } else if (o.volume !== undefined && o.lot_size !== undefined && o.volume !== o.lot_size) {
    ctx.addIssue({ code: "custom", message: "volume and lot_size disagree", path: ["lot_size"] });
  }
  if (o.sl != null && o.tp != null) {
    const ok = o.side === "BUY" ? o.sl < o.tp : o.sl > o.tp;
    if (!ok)
      ctx.addIssue({
        code: "custom",
        message: `${o.side} needs sl ${o.side === "BUY" ? "below" : "above"} tp`,
        path: ["sl"],
      });
  }
}).transform(({ lot_size, volume, sl, tp, ...rest }) => ({
  ...rest,
  volume: (volume ?? lot_size) as number,
  sl: sl ?? null,
  tp: tp ?? null,
}));
export type OrderIntentInput = z.input<typeof OrderIntentSchema>;

/**
 * What makes two requests with one client order id "the same order" (the idempotency-key rule:
 * a retry repeats the request; a different request under a used id is a conflict, not a retry).
 */
export function orderFingerprint(o: OrderIntent, target: string): string {
  return JSON.stringify([target, o.side, o.symbol, o.volume, o.sl, o.tp, o.trailing_stop ?? null, o.breakeven ?? null]);
}
export type OrderIntent = z.output<typeof OrderIntentSchema>;
