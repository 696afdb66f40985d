import type { Direction } from "../onnx/classes";
import type { Rule, RuleGroup, RuleNode, Strategy } from "./schema";
import type { RuleCheck, StrategyVerdict } from "./verdict";

/** Indicator values at the decision bar and the bar before it (crosses need both). */
export interface Snapshot {
  current: Readonly<Record<string, number>>;
  previous: Readonly<Record<string, number>>;
}

interface NodeResult {
  passed: boolean;
  /** Why it failed, in words a user reads in the activity feed (built only when needed). */
  failure: () => string;
}

const isRule = (n: RuleNode): n is Rule => "indicator" in n;

function read(values: Readonly<Record<string, number>>, name: string): number | null {
  const v = values[name];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Short, readable numbers: 45.2, 0.001234, -12.35. */
export function fmt(x: number | null): string {
  if (x === null) return "missing";
  if (x === 0) return "0";
  const s = Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(4);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

export function ruleText(r: Rule): string {
  return `${r.indicator} ${r.op} ${typeof r.value === "number" ? r.value : r.value.indicator}`;
}

export function groupText(g: RuleNode): string {
  if (isRule(g)) return ruleText(g);
  const [joiner, children] = "all" in g ? [" and ", g.all] : [" or ", g.any];
  return `(${children.map(groupText).join(joiner)})`;
}

function compare(op: Rule["op"], a: number, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    default:
      throw new Error(`not a comparison: ${op}`);
  }
}

function evalRule(r: Rule, s: Snapshot, checks: RuleCheck[]): NodeResult {
  const constant = typeof r.value === "number" ? r.value : undefined;
  const rightName = typeof r.value === "number" ? undefined : r.value.indicator;
  const right = (values: Snapshot["current"]) =>
    rightName === undefined ? (constant ?? null) : read(values, rightName);
  const cur = { left: read(s.current, r.indicator), right: right(s.current) };
  const isCross = r.op === "crosses_above" || r.op === "crosses_below";
  const prev = isCross ? { left: read(s.previous, r.indicator), right: right(s.previous) } : undefined;

  const named = (v: { left: number | null; right: number | null }) => ({
    [r.indicator]: v.left,
    ...(rightName === undefined ? {} : { [rightName]: v.right }),
  });
  let passed = false;
  if (cur.left !== null && cur.right !== null) {
    if (!prev) passed = compare(r.op, cur.left, cur.right);
    else if (prev.left !== null && prev.right !== null) {
      // A cross is a change of side between the previous bar and this one (touching counts as "before").
      passed =
        r.op === "crosses_above"
          ? prev.left <= prev.right && cur.left > cur.right
          : prev.left >= prev.right && cur.left < cur.right;
    }
  }
  checks.push({ rule: ruleText(r), current: named(cur), ...(prev ? { previous: named(prev) } : {}), passed });

  const show = (name: string, c: number | null, p: number | null | undefined) =>
    prev ? `${name} (${fmt(p ?? null)} -> ${fmt(c)})` : `${name} (${fmt(c)})`;
  const left = () => show(r.indicator, cur.left, prev?.left);
  const rightShown = () => (rightName === undefined ? String(constant) : show(rightName, cur.right, prev?.right));
  return { passed, failure: () => `${left()} ${r.op} ${rightShown()} failed` };
}

function evalNode(n: RuleNode, s: Snapshot, checks: RuleCheck[]): NodeResult {
  if (isRule(n)) return evalRule(n, s, checks);
  // Every child is evaluated (no short-circuit) so the checks list shows the whole picture.
  if ("all" in n) {
    const results = n.all.map((c) => evalNode(c, s, checks));
    const failed = results.filter((r) => !r.passed);
    return { passed: failed.length === 0, failure: () => failed.map((f) => f.failure()).join("; ") };
  }
  const results = n.any.map((c) => evalNode(c, s, checks));
  return {
    passed: results.some((r) => r.passed),
    failure: () => `none of [${results.map((r) => r.failure()).join(" | ")}]`,
  };
}

/** Evaluates a rule group on its own (for previews and backtests). */
export function evaluateGroup(
  group: RuleGroup,
  snapshot: Snapshot,
): { passed: boolean; failure: string; checks: RuleCheck[] } {
  const checks: RuleCheck[] = [];
  const r = evalNode(group, snapshot, checks);
  return { passed: r.passed, failure: r.passed ? "" : r.failure(), checks };
}

/**
 * Does the bot's strategy agree with the model's direction? HOLD always agrees (there is nothing to
 * confirm); a direction without rules agrees (the model decides alone); otherwise its group must pass.
 */
export function evaluate(strategy: Strategy, direction: Direction, snapshot: Snapshot): StrategyVerdict {
  if (direction === "HOLD") return { agreed: true, reason: "HOLD needs no confirmation", checks: [] };
  const group = direction === "BUY" ? strategy.buy : strategy.sell;
  if (!group) return { agreed: true, reason: `no ${direction} rules: the model decides alone`, checks: [] };
  const r = evaluateGroup(group, snapshot);
  return r.passed
    ? { agreed: true, reason: `strategy agrees: ${groupText(group)}`, checks: r.checks }
    : { agreed: false, reason: `blocked by strategy: ${r.failure}`, checks: r.checks };
}
