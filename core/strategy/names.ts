// The indicator names a strategy reads: what its snapshot must hold and which features must be computed.
import type { RuleNode, Strategy } from "./schema";

/** Every indicator name a strategy's rules read (left sides and indicator right sides). */
export function strategyNames(strategy: Strategy): Set<string> {
  const out = new Set<string>();
  const walk = (n: RuleNode): void => {
    if ("indicator" in n) {
      out.add(n.indicator);
      if (typeof n.value !== "number") out.add(n.value.indicator);
    } else for (const c of "all" in n ? n.all : n.any) walk(c);
  };
  if (strategy.buy) walk(strategy.buy);
  if (strategy.sell) walk(strategy.sell);
  if (strategy.exit_long) walk(strategy.exit_long);
  if (strategy.exit_short) walk(strategy.exit_short);
  return out;
}
