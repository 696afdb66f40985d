import type { Bar } from "../../market/bar";
import { mulberry32 } from "../../random/prng";

/** A random-walk OHLCV series (test data only). */
export function syntheticBars(n: number, seed = 1, withVolume = true, stepMs = 3_600_000): Bar[] {
  const rnd = mulberry32(seed);
  const bars: Bar[] = [];
  let price = 1.2;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp((rnd() - 0.5) * 0.01);
    const high = Math.max(open, close) * (1 + rnd() * 0.003);
    const low = Math.min(open, close) * (1 - rnd() * 0.003);
    const bar: Bar = { time: i * stepMs, open, high, low, close };
    if (withVolume) bar.volume = Math.round(1000 + rnd() * 9000);
    bars.push(bar);
    price = close;
  }
  return bars;
}
