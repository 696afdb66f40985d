// snapshotOf() without an allocation per bar: two records with fixed keys, overwritten in place.
// Same keys and values as core/strategy/snapshot.ts for the names it holds; evaluate() only reads.
// It holds only the names the bot's rules read (strategyNames), so a bar costs a few writes, not
// every feature: a name no rule reads is never looked at, and an unknown name stays absent (missing),
// as in snapshotOf.
import type { FeatureMatrix } from "../features/compute";
import { FEATURE_SCHEMA } from "../features/schema";
import type { Bar } from "../market/bar";
import type { Snapshot } from "../strategy/evaluate";

const NAMES = FEATURE_SCHEMA.names;
const OHLC = ["open", "high", "low", "close"] as const;

export class SnapshotBuffer {
  readonly snapshot: Snapshot;
  private readonly cur: Record<string, number> = {};
  private readonly prev: Record<string, number> = {};
  private readonly ohlc: (typeof OHLC)[number][];
  /** Feature names held and their column. */
  private readonly names: string[] = [];
  private readonly cols: number[] = [];

  /** `only`: the names to hold (default: all of snapshotOf's). */
  constructor(only?: ReadonlySet<string>) {
    this.ohlc = OHLC.filter((n) => !only || only.has(n));
    NAMES.forEach((n, j) => {
      if (only && !only.has(n)) return;
      this.names.push(n);
      this.cols.push(j);
    });
    for (const r of [this.cur, this.prev]) {
      for (const n of this.ohlc) r[n] = 0;
      for (const n of this.names) r[n] = 0;
    }
    this.snapshot = { current: this.cur, previous: this.prev };
  }

  /** The snapshot of bar k and bar k - 1 of a series. */
  fill(fm: FeatureMatrix, bars: readonly Bar[], k: number): Snapshot {
    this.write(this.cur, fm, bars[k]!, k);
    this.write(this.prev, fm, bars[k - 1]!, k - 1);
    return this.snapshot;
  }

  private write(r: Record<string, number>, fm: FeatureMatrix, bar: Bar, k: number): void {
    for (const n of this.ohlc) r[n] = bar[n];
    const base = k * fm.stride;
    const { names, cols } = this;
    if (fm.col) {
      // Lazy matrix: a name it doesn't hold reads NaN.
      for (let j = 0; j < names.length; j++) {
        const c = fm.col[cols[j]!]!;
        r[names[j]!] = c < 0 ? NaN : fm.values[base + c]!;
      }
    } else for (let j = 0; j < names.length; j++) r[names[j]!] = fm.values[base + cols[j]!]!;
  }
}
