import type { Bar } from "./bar";

export type BarIssueCode =
  | "non_finite"
  | "non_positive"
  | "high_below_open_close"
  | "low_above_open_close"
  | "negative_volume"
  | "duplicate_time"
  | "out_of_order"
  | "malformed_row"
  | "gap";

export interface BarIssue {
  code: BarIssueCode;
  /** Index in the input the issue refers to (row number for CSV input). */
  index: number;
  time?: number;
  message: string;
}

export interface ValidationResult {
  bars: Bar[];
  issues: BarIssue[];
}

/** Why a single bar is unusable, or null when it is sound. */
export function checkBar(b: Bar): { code: BarIssueCode; message: string } | null {
  const prices = [b.open, b.high, b.low, b.close];
  if (!Number.isFinite(b.time) || prices.some((p) => !Number.isFinite(p))) {
    return { code: "non_finite", message: "time or price is not a finite number" };
  }
  if (prices.some((p) => p <= 0)) return { code: "non_positive", message: "prices must be > 0" };
  if (b.high < Math.max(b.open, b.close)) {
    return { code: "high_below_open_close", message: `high ${b.high} < max(open ${b.open}, close ${b.close})` };
  }
  if (b.low > Math.min(b.open, b.close)) {
    return { code: "low_above_open_close", message: `low ${b.low} > min(open ${b.open}, close ${b.close})` };
  }
  if (b.volume !== undefined && (!Number.isFinite(b.volume) || b.volume < 0)) {
    return { code: "negative_volume", message: "volume must be finite and >= 0" };
  }
  return null;
}

/**
 * Keeps only bars that are internally consistent and strictly increasing in time, in input order.
 * A bar that breaks a rule is dropped and reported (never repaired): a trading decision must not see
 * invented prices. A bar whose time is <= the last kept bar's time is dropped as duplicate/out of order;
 * callers that want "last wins" for duplicates use `dedupeByTime` first.
 */
export function validateBars(input: readonly Bar[]): ValidationResult {
  const bars: Bar[] = [];
  const issues: BarIssue[] = [];
  let lastTime = -Infinity;
  input.forEach((b, index) => {
    const bad = checkBar(b);
    if (bad) {
      issues.push({ ...bad, index, time: b.time });
      return;
    }
    if (b.time <= lastTime) {
      const code = b.time === lastTime ? "duplicate_time" : "out_of_order";
      issues.push({ code, index, time: b.time, message: `time ${b.time} is not after previous ${lastTime}` });
      return;
    }
    bars.push(b);
    lastTime = b.time;
  });
  return { bars, issues };
}

/**
 * Sorts by time and resolves duplicate times deterministically: the LAST occurrence in input order wins
 * (a later message for the same bar is a correction). Every dropped duplicate is reported.
 */
export function dedupeByTime(input: readonly Bar[]): ValidationResult {
  const byTime = new Map<number, { bar: Bar; index: number }>();
  const issues: BarIssue[] = [];
  input.forEach((bar, index) => {
    const prev = byTime.get(bar.time);
    if (prev) {
      issues.push({
        code: "duplicate_time",
        index: prev.index,
        time: bar.time,
        message: `bar at ${new Date(bar.time).toISOString()} replaced by a later duplicate (index ${index})`,
      });
    }
    byTime.set(bar.time, { bar, index });
  });
  const bars = [...byTime.values()].map((v) => v.bar).sort((a, b) => a.time - b.time);
  return { bars, issues };
}

/**
 * dedupeByTime, then validateBars: sorted, last duplicate wins, broken bars dropped; every dropped
 * bar reported (duplicates first). What every source of bars applies before using or storing them.
 */
export function cleanBars(input: readonly Bar[]): ValidationResult {
  const deduped = dedupeByTime(input);
  const valid = validateBars(deduped.bars);
  return { bars: valid.bars, issues: [...deduped.issues, ...valid.issues] };
}
