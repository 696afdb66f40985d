// The object-specific part of the cycle's timing: cadence slots. The pre-decision gates themselves
// (cooldown, daily limit, max open positions) are core/decision/gates.ts, shared with the backtester.

/** Next cadence slot strictly after `now`, aligned to the UTC epoch (so cron fires at :00/:15 find it due). */
export function nextSlot(now: number, cadenceMinutes: number): number {
  const c = cadenceMinutes * 60_000;
  return Math.floor(now / c) * c + c;
}
