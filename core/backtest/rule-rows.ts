// A bot's rule group compiled against one series, so the backtester asks "does it pass at bar k?"
// without filling a snapshot record per bar: exactly groupPasses(node, snapshot of bars k and k-1)
// with the snapshot SnapshotBuffer.fill (= snapshotOf) builds. Names resolve as there: a feature
// name reads its column of the feature matrix (a feature shadows a price of the same name), open /
// high / low / close read the bar, anything else is missing; a non-finite reading is missing (as
// `read` in core/strategy/evaluate.ts). Checked against groupPasses on random trees and rows in
// fast-paths.test.ts.
import { columnOf, type FeatureMatrix } from "../features/compute";
import { FEATURE_SCHEMA } from "../features/schema";
import type { Bar } from "../market/bar";
import type { Rule, RuleNode } from "../strategy/schema";

export type RowRule = (k: number) => boolean;
type Get = (k: number) => number;

const NAMES: readonly string[] = FEATURE_SCHEMA.names;
const OHLC = new Set(["open", "high", "low", "close"]);
const MISSING: Get = () => NaN;

function getter(name: string, fm: FeatureMatrix, bars: readonly Bar[]): Get {
  const f = NAMES.indexOf(name);
  if (f >= 0) {
    // A lazy matrix without the column reads NaN, as the full one's NaN cells do.
    const j = columnOf(fm, f);
    if (j < 0) return MISSING;
    const values = fm.values;
    const stride = fm.stride;
    return (k) => values[k * stride + j]!;
  }
  if (OHLC.has(name)) {
    const field = name as "open" | "high" | "low" | "close";
    return (k) => bars[k]![field];
  }
  return MISSING;
}

const ok = Number.isFinite;

function compileRule(r: Rule, fm: FeatureMatrix, bars: readonly Bar[]): RowRule {
  const L = getter(r.indicator, fm, bars);
  const op = r.op;
  const f = NAMES.indexOf(r.indicator);
  const j = f >= 0 ? columnOf(fm, f) : -1;
  if (typeof r.value === "number" && j >= 0 && (op === "<" || op === "<=" || op === ">" || op === ">=")) {
    // The common rule, a feature against a constant: read the column directly.
    const c = r.value;
    const v = fm.values;
    const s = fm.stride;
    switch (op) {
      case "<":
        return (k) => {
          const a = v[k * s + j]!;
          return ok(a) && a < c;
        };
      case "<=":
        return (k) => {
          const a = v[k * s + j]!;
          return ok(a) && a <= c;
        };
      case ">":
        return (k) => {
          const a = v[k * s + j]!;
          return ok(a) && a > c;
        };
      case ">=":
        return (k) => {
          const a = v[k * s + j]!;
          return ok(a) && a >= c;
        };
    }
  }
  if (typeof r.value === "number") {
    const c = r.value;
    switch (op) {
      case "<":
        return (k) => {
          const a = L(k);
          return ok(a) && a < c;
        };
      case "<=":
        return (k) => {
          const a = L(k);
          return ok(a) && a <= c;
        };
      case ">":
        return (k) => {
          const a = L(k);
          return ok(a) && a > c;
        };
      case ">=":
        return (k) => {
          const a = L(k);
          return ok(a) && a >= c;
        };
      case "crosses_above":
        return (k) => {
          const a = L(k);
          if (!ok(a)) return false;
          const p = L(k - 1);
          return ok(p) && p <= c && a > c;
        };
      case "crosses_below":
        return (k) => {
          const a = L(k);
          if (!ok(a)) return false;
          const p = L(k - 1);
          return ok(p) && p >= c && a < c;
        };
      default:
        return (k) => {
          if (!ok(L(k))) return false;
          throw new Error(`not a comparison: ${op}`);
        };
    }
  }
  const R = getter(r.value.indicator, fm, bars);
  switch (op) {
    case "<":
      return (k) => {
        const a = L(k);
        const b = R(k);
        return ok(a) && ok(b) && a < b;
      };
    case "<=":
      return (k) => {
        const a = L(k);
        const b = R(k);
        return ok(a) && ok(b) && a <= b;
      };
    case ">":
      return (k) => {
        const a = L(k);
        const b = R(k);
        return ok(a) && ok(b) && a > b;
      };
    case ">=":
      return (k) => {
        const a = L(k);
        const b = R(k);
        return ok(a) && ok(b) && a >= b;
      };
    case "crosses_above":
    case "crosses_below": {
      const above = op === "crosses_above";
      return (k) => {
        const a = L(k);
        const b = R(k);
        if (!ok(a) || !ok(b)) return false;
        const pa = L(k - 1);
        const pb = R(k - 1);
        if (!ok(pa) || !ok(pb)) return false;
        return above ? pa <= pb && a > b : pa >= pb && a < b;
      };
    }
    default:
      return (k) => {
        if (!ok(L(k)) || !ok(R(k))) return false;
        throw new Error(`not a comparison: ${op}`);
      };
  }
}

/** groupPasses(node, snapshot of rows k, k - 1 of this series) as a function of k (k >= 1). */
export function compileRowRule(node: RuleNode, fm: FeatureMatrix, bars: readonly Bar[]): RowRule {
  if ("indicator" in node) return compileRule(node, fm, bars);
  const all = "all" in node;
  const kids = (all ? node.all : node.any).map((c) => compileRowRule(c, fm, bars));
  const n = kids.length;
  if (n === 1) return kids[0]!;
  if (n === 2) {
    const [x, y] = kids as [RowRule, RowRule];
    return all ? (k) => x(k) && y(k) : (k) => x(k) || y(k);
  }
  return all
    ? (k) => {
        for (let i = 0; i < n; i++) if (!kids[i]!(k)) return false;
        return true;
      }
    : (k) => {
        for (let i = 0; i < n; i++) if (kids[i]!(k)) return true;
        return false;
      };
}
