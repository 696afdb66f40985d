/** UTC calendar day of a timestamp: the key daily P&L is booked under. */
export function utcDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}
