// The exit stage of a cycle, shared by the live engine and the backtester: which of a bot's open
// positions close on this cycle (exit rules, the opposite signal, netting, time), and whether the
// entry signal may then open (direction, netting, reverse). Pure: the callers close and open.
// Exits come first and no entry gate (max open, cooldown, daily limit, protections) applies to them.
import type { BotConfig } from "../protocol/bot-config";
import type { Prediction } from "../protocol/prediction";

export type Side = "BUY" | "SELL";

/** What a cycle saw on its decision bar. */
export interface CycleSignals {
  /** The entry signal: a direction that passed the strategy and the threshold (live: the prediction's), or null. */
  entry: Side | null;
  /** exit_long / exit_short groups passed (false when the group is null or could not be checked). */
  exitLong: boolean;
  exitShort: boolean;
  /** Words for the activity feed: why the exit groups passed. */
  exitLongWhy?: string;
  exitShortWhy?: string;
}

export interface OpenSide {
  id: string;
  side: Side;
  /** Fill time of the position (ms). */
  openTime: number;
}

export type ExitKind = "signal" | "time";
export interface PlannedExit {
  id: string;
  reason: ExitKind;
  message: string;
}

export interface ExitPlan {
  exits: PlannedExit[];
  /** The side that may open after the exits (gates still apply), or null. */
  entry: Side | null;
  /** Why the entry signal opens nothing (direction, netting), when it doesn't. */
  entryBlocked: string | null;
}

const opposite = (s: Side): Side => (s === "BUY" ? "SELL" : "BUY");
const word = (s: Side) => (s === "BUY" ? "long" : "short");

/** True when the config has any exit that needs the decision bar (rules or the opposite signal). */
export function needsSignalExits(config: Pick<BotConfig, "strategy" | "exits" | "execution">): boolean {
  return (
    config.strategy.exit_long !== null ||
    config.strategy.exit_short !== null ||
    config.exits.onOppositeSignal ||
    config.execution.positionMode === "netting"
  );
}

/** True when the bot closes positions on its cycles at all (signal exits or a time exit). */
export function hasCycleExits(config: Pick<BotConfig, "strategy" | "exits" | "execution">): boolean {
  return needsSignalExits(config) || config.exits.maxHoldMinutes !== null;
}

/**
 * Exits for `open` (the bot's positions on its symbol, oldest first) at `now`, then what may open.
 * `signals` null: no decision bar this cycle (only the time exit can act, and nothing opens).
 */
export function planExits(
  config: Pick<BotConfig, "strategy" | "exits" | "execution">,
  open: readonly OpenSide[],
  signals: CycleSignals | null,
  now: number,
): ExitPlan {
  const { exits: x, execution } = config;
  const netting = execution.positionMode === "netting";
  const out: PlannedExit[] = [];
  let oppositeClosed = false;
  for (const p of open) {
    if (signals) {
      const rule = p.side === "BUY" ? signals.exitLong : signals.exitShort;
      if (rule) {
        const why =
          (p.side === "BUY" ? signals.exitLongWhy : signals.exitShortWhy) ?? `exit_${word(p.side)} rules passed`;
        out.push({ id: p.id, reason: "signal", message: `exit_${word(p.side)}: ${why}` });
        continue;
      }
      if (signals.entry === opposite(p.side) && (x.onOppositeSignal || netting)) {
        oppositeClosed = true;
        out.push({
          id: p.id,
          reason: "signal",
          message: `opposite signal: ${signals.entry} closes the ${word(p.side)} position${netting ? " (netting)" : ""}`,
        });
        continue;
      }
    }
    if (x.maxHoldMinutes !== null && now - p.openTime >= x.maxHoldMinutes * 60_000) {
      out.push({
        id: p.id,
        reason: "time",
        message: `time exit: held ${Math.floor((now - p.openTime) / 60_000)} min, limit ${x.maxHoldMinutes} min`,
      });
    }
  }
  const entry = signals?.entry ?? null;
  if (entry === null) return { exits: out, entry: null, entryBlocked: null };
  if (execution.direction === "long_only" && entry === "SELL")
    return { exits: out, entry: null, entryBlocked: "long-only bot: a SELL signal opens no short" };
  if (execution.direction === "short_only" && entry === "BUY")
    return { exits: out, entry: null, entryBlocked: "short-only bot: a BUY signal opens no long" };
  if (oppositeClosed && !x.reverse)
    return {
      exits: out,
      entry: null,
      entryBlocked: `the ${entry} signal closed the opposite position; reverse is off`,
    };
  if (netting) {
    const closing = new Set(out.map((e) => e.id));
    const held = open.find((p) => !closing.has(p.id));
    if (held)
      return {
        exits: out,
        entry: null,
        entryBlocked: `netting: one position per symbol and a ${word(held.side)} position is open`,
      };
  }
  return { exits: out, entry, entryBlocked: null };
}

/** A prediction's signals: the entry is its direction when it clears the threshold (a plan is not needed to exit). */
export function cycleSignals(p: Pick<Prediction, "direction" | "confidence" | "threshold" | "exits">): CycleSignals {
  const entry = p.direction !== "HOLD" && p.confidence >= p.threshold ? p.direction : null;
  const long = p.exits?.long ?? null;
  const short = p.exits?.short ?? null;
  return {
    entry,
    exitLong: long?.passed ?? false,
    exitShort: short?.passed ?? false,
    ...(long?.passed ? { exitLongWhy: long.reason } : {}),
    ...(short?.passed ? { exitShortWhy: short.reason } : {}),
  };
}
