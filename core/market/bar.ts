import { z } from "zod";

/** One OHLC(V) bar. `time` is the bar OPEN time in epoch ms UTC; the close time is time + timeframe duration. */
export const BarSchema = z.object({
  time: z.number().int() /* bar OPEN time, epoch ms UTC */,
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().optional(),
});
export type Bar = z.infer<typeof BarSchema>;
