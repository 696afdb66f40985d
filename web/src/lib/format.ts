// Display formatting only; values stay numbers everywhere else.

const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function fmtMoney(v: number | null | undefined, currency = ""): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${money.format(v)}${currency ? ` ${currency}` : ""}`;
}

/** Signed amount (+12.30 / −4.10) for P&L. */
export function fmtPnl(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${v > 0 ? "+" : v < 0 ? "−" : ""}${money.format(Math.abs(v))}`;
}

export function pnlClass(v: number | null | undefined): string {
  return v === null || v === undefined || v === 0 ? "" : v > 0 ? "pos" : "neg";
}

/** Prices keep the precision they came with, up to 5 decimals (FX pips). */
export function fmtPrice(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return v.toFixed(Math.abs(v) >= 1000 ? 2 : 5).replace(/(\.\d*?[1-9])0+$|\.0+$/, "$1");
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${(v * 100).toFixed(digits)}%`;
}

export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}

export function fmtClock(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}
