import type { Bar } from "../../market/bar";

/** Deterministic PRNG (mulberry32) so tests are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
