// Each hand-written indicator against the technicalindicators function it replaces, value by value,
// including the library's edge behaviour (zero EMA seed, flat stochastic window, NaN DX on flat bars).
import { ADX, ATR, BollingerBands, CCI, EMA, SMA, Stochastic, WilliamsR } from "technicalindicators";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../random/prng";
import { adx, atr, bollinger, cci, ema, rollingHighLow, sma, stochastic, williamsR } from "./indicators";

/** Library output is end-aligned and shorter; ours is input-aligned with NaN in front. */
function expectAligned(ours: Float64Array, lib: readonly (number | undefined)[], label: string): void {
  const off = ours.length - lib.length;
  expect(off, label).toBeGreaterThanOrEqual(0);
  for (let t = 0; t < off; t++)
    expect(Number.isNaN(ours[t]!), `${label} NaN before ${off}, got ${ours[t]} at ${t}`).toBe(true);
  for (let j = 0; j < lib.length; j++) {
    const want = lib[j] ?? NaN;
    if (!Object.is(ours[off + j], want))
      throw new Error(`${label} at ${off + j}: ours ${ours[off + j]} vs library ${want}`);
  }
}

function series(n: number, seed: number, flatFrom = -1, flatTo = -1) {
  const rnd = mulberry32(seed);
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  let p = 100;
  for (let t = 0; t < n; t++) {
    if (t >= flatFrom && t < flatTo) {
      high.push(50);
      low.push(50);
      close.push(50);
      continue;
    }
    p *= Math.exp((rnd() - 0.5) * 0.02);
    const h = p * (1 + rnd() * 0.01);
    const l = p * (1 - rnd() * 0.01);
    high.push(h);
    low.push(l);
    close.push(l + (h - l) * rnd());
  }
  return { high, low, close };
}

describe("hand-written indicators equal technicalindicators", () => {
  const cases = [series(400, 1), series(400, 2, 100, 160), series(60, 3, 0, 60)];

  it.each(cases.map((c, i) => [i, c] as const))(
    "case %i: SMA, EMA, Bollinger, CCI, Stochastic, W%R, ATR, ADX",
    (_, { high, low, close }) => {
      const n = close.length;
      const b = () => new Float64Array(n);
      for (const p of [3, 9, 20, 50]) {
        expectAligned(sma(close, p, b()), SMA.calculate({ values: close, period: p }), `sma${p}`);
        expectAligned(ema(close, p, b()), EMA.calculate({ values: close, period: p }), `ema${p}`);
      }
      const [u, l, m] = [b(), b(), b()];
      bollinger(close, 20, 2, u, l, m);
      const bb = BollingerBands.calculate({ values: close, period: 20, stdDev: 2 });
      expectAligned(
        u,
        bb.map((x) => x.upper),
        "bb upper",
      );
      expectAligned(
        l,
        bb.map((x) => x.lower),
        "bb lower",
      );
      expectAligned(
        m,
        bb.map((x) => x.middle),
        "bb middle",
      );
      expectAligned(cci(high, low, close, 20, b(), b()), CCI.calculate({ high, low, close, period: 20 }), "cci");
      const [hh, ll, k, d] = [b(), b(), b(), b()];
      rollingHighLow(high, low, 14, hh, ll);
      stochastic(close, hh, ll, 14, 3, k, d);
      const st = Stochastic.calculate({ high, low, close, period: 14, signalPeriod: 3 });
      expectAligned(
        k,
        st.map((x) => x.k),
        "stoch k",
      );
      expectAligned(
        d,
        st.map((x) => x.d),
        "stoch d",
      );
      expectAligned(williamsR(close, hh, ll, b()), WilliamsR.calculate({ high, low, close, period: 14 }), "willr");
      expectAligned(atr(high, low, close, 14, b()), ATR.calculate({ high, low, close, period: 14 }), "atr");
      const [a, pd, md] = [b(), b(), b()];
      adx(high, low, close, 14, a, pd, md);
      const ax = ADX.calculate({ high, low, close, period: 14 });
      expectAligned(
        a,
        ax.map((x) => x.adx),
        "adx",
      );
      expectAligned(
        pd,
        ax.map((x) => x.pdi),
        "pdi",
      );
      expectAligned(
        md,
        ax.map((x) => x.mdi),
        "mdi",
      );
    },
  );

  it("EMA whose SMA seed is exactly 0 follows the library (it feeds the seed bar to the recursion)", () => {
    const x = [1, -1, 3, -2, 5, 0.5];
    const ours = ema(x, 2, new Float64Array(x.length));
    expectAligned(ours, EMA.calculate({ values: x, period: 2 }), "ema zero seed");
    expect(ours[1]).toBe(-1 * (2 / 3)); // not the seed 0
  });

  it("firstRow leaves earlier rows NaN and the rest unchanged", () => {
    const { high, low, close } = series(120, 4);
    const full = cci(high, low, close, 20, new Float64Array(120), new Float64Array(120));
    const part = cci(high, low, close, 20, new Float64Array(120), new Float64Array(120), 100);
    for (let t = 0; t < 120; t++) expect(Object.is(part[t], t < 100 ? NaN : full[t])).toBe(true);
  });
});
