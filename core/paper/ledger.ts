/** UTC calendar day of a timestamp: the key daily P&L is booked under. */
export function utcDay(timeMs: number): string {
  // Years 1970..9999 from the day number (Howard Hinnant's civil_from_days), the same text as
  // new Date(timeMs).toISOString().slice(0, 10) without a Date and an ISO string per call; other
  // times (and invalid ones, which throw there) take that path. Checked against it in ledger.test.ts.
  if (timeMs >= 0 && timeMs < 253_402_300_800_000) {
    const z = Math.floor(timeMs / 86_400_000) + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return `${y}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
  }
  return new Date(timeMs).toISOString().slice(0, 10);
}
