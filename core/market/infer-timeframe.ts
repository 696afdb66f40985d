import { TIMEFRAME_MS, TIMEFRAMES, type Timeframe } from "./timeframes";

/**
 * The timeframe a bar series was sampled at: the most common spacing between consecutive bar
 * opens (gaps over weekends, holidays or missing bars are rarer than the step itself), if it is
 * one of ours; null for fewer than two bars or an unknown step. Ties go to the shorter spacing.
 */
export function inferTimeframe(bars: readonly { time: number }[]): Timeframe | null {
  const counts = new Map<number, number>();
  for (let i = 1; i < bars.length; i++) {
    const d = bars[i]!.time - bars[i - 1]!.time;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | null = null;
  for (const [d, n] of counts) {
    const bn = best === null ? 0 : (counts.get(best) ?? 0);
    if (best === null || n > bn || (n === bn && d < best)) best = d;
  }
  return best === null ? null : (TIMEFRAMES.find((tf) => TIMEFRAME_MS[tf] === best) ?? null);
}
