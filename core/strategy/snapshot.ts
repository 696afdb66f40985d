import { FEATURE_SCHEMA } from "../features/schema";
import type { Snapshot } from "./evaluate";

/** What a rule can see of one bar: its feature row (FEATURE_SCHEMA order) and its prices. */
export interface BarView {
  features: ArrayLike<number>;
  bar: { open: number; high: number; low: number; close: number };
}

function values(v: BarView): Record<string, number> {
  const names = FEATURE_SCHEMA.names;
  if (v.features.length !== names.length)
    throw new Error(
      `feature row has ${v.features.length} values, schema ${FEATURE_SCHEMA.name} v${FEATURE_SCHEMA.version} has ${names.length}`,
    );
  const out: Record<string, number> = { open: v.bar.open, high: v.bar.high, low: v.bar.low, close: v.bar.close };
  for (let i = 0; i < names.length; i++) out[names[i]!] = v.features[i]!;
  return out;
}

/** Snapshot for evaluate(): the decision bar and the bar before it, both with valid (post-warm-up) features. */
export function snapshotOf(current: BarView, previous: BarView): Snapshot {
  return { current: values(current), previous: values(previous) };
}
