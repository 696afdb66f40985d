import type { Bar } from "../market/bar";
import { CLASS_INDEX } from "../onnx/classes";

/**
 * Triple-barrier labels (López de Prado): from the close of bar t, a BUY barrier at close + k*ATR_t and a
 * SELL barrier at close - k*ATR_t, watched over bars t+1..t+horizon. The first barrier touched (by a bar's
 * high/low) gives BUY or SELL; none touched, or both inside the same bar (order unknown), gives HOLD.
 * The label of t uses bars t+1..t+horizon only as TARGET; the last `horizon` rows get no label (-1).
 * Classes follow core/onnx/classes.ts (SELL=0, HOLD=1, BUY=2).
 */
export interface LabelParams {
  horizon: number;
  /** Barrier distance in ATRs. */
  atrMult: number;
}

export const NO_LABEL = -1;

export interface Labels {
  /** Class per row, NO_LABEL where the horizon runs past the data or ATR is not valid. */
  y: Int8Array;
  /** Signed outcome of a long trade taken at close[t] and closed at the first barrier or at t+horizon (fraction of price). */
  longReturn: Float64Array;
  params: LabelParams;
}

export function tripleBarrierLabels(bars: readonly Bar[], atr: ArrayLike<number>, params: LabelParams): Labels {
  const { horizon, atrMult } = params;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError("horizon must be a positive integer");
  if (!(atrMult > 0)) throw new RangeError("atrMult must be > 0");
  const n = bars.length;
  const y = new Int8Array(n).fill(NO_LABEL);
  const longReturn = new Float64Array(n).fill(NaN);
  for (let t = 0; t + horizon < n; t++) {
    const a = atr[t]!;
    if (!Number.isFinite(a) || a <= 0) continue;
    const entry = bars[t]!.close;
    const up = entry + atrMult * a;
    const down = entry - atrMult * a;
    let label: number = CLASS_INDEX.HOLD;
    let exit = bars[t + horizon]!.close;
    for (let k = t + 1; k <= t + horizon; k++) {
      const b = bars[k]!;
      const hitUp = b.high >= up;
      const hitDown = b.low <= down;
      if (hitUp && hitDown) {
        exit = b.close; // both inside one bar: order unknown, so no direction is claimed
        break;
      }
      if (hitUp) {
        label = CLASS_INDEX.BUY;
        exit = up;
        break;
      }
      if (hitDown) {
        label = CLASS_INDEX.SELL;
        exit = down;
        break;
      }
    }
    y[t] = label;
    longReturn[t] = exit / entry - 1;
  }
  return { y, longReturn, params };
}

/** Rows usable for training: features valid (t >= validFrom) and a label exists. */
export function labeledRows(y: Int8Array, validFrom: number): number[] {
  const rows: number[] = [];
  for (let t = validFrom; t < y.length; t++) if (y[t] !== NO_LABEL) rows.push(t);
  return rows;
}
