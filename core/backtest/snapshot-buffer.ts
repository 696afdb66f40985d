// snapshotOf() without an allocation per bar: two records with fixed keys, overwritten in place.
// Same keys and values as core/strategy/snapshot.ts (checked in engine.test.ts); evaluate() only reads.
import type { FeatureMatrix } from "../features/compute";
import { FEATURE_SCHEMA } from "../features/schema";
import type { Bar } from "../market/bar";
import type { Snapshot } from "../strategy/evaluate";

const NAMES = FEATURE_SCHEMA.names;

function blank(): Record<string, number> {
  const r: Record<string, number> = { open: 0, high: 0, low: 0, close: 0 };
  for (const n of NAMES) r[n] = 0;
  return r;
}

export class SnapshotBuffer {
  readonly snapshot: Snapshot;
  private readonly cur = blank();
  private readonly prev = blank();

  constructor() {
    this.snapshot = { current: this.cur, previous: this.prev };
  }

  /** The snapshot of bar k and bar k - 1 of a series. */
  fill(fm: FeatureMatrix, bars: readonly Bar[], k: number): Snapshot {
    write(this.cur, fm, bars[k]!, k);
    write(this.prev, fm, bars[k - 1]!, k - 1);
    return this.snapshot;
  }
}

function write(r: Record<string, number>, fm: FeatureMatrix, bar: Bar, k: number): void {
  r["open"] = bar.open;
  r["high"] = bar.high;
  r["low"] = bar.low;
  r["close"] = bar.close;
  const base = k * fm.stride;
  for (let j = 0; j < NAMES.length; j++) r[NAMES[j]!] = fm.values[base + j]!;
}
