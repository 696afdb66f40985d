import type { Bar } from "./bar";
import type { BarIssue, ValidationResult } from "./validate";
import { validateBars } from "./validate";

/**
 * Loaders for the two real data files under models/data/ (see models/data/SOURCE.md).
 * Hand-written: the files are plain comma-separated with no quoting, so a CSV library adds nothing.
 *
 * - usdchf_30m.csv `time,price`: one quote per half hour. Each quote becomes a bar with
 *   open = high = low = close = price and NO volume (the source has none). Such bars carry no
 *   intra-bar range; resampling them to 1h/4h gives real highs/lows from the quotes inside.
 *   Timestamps have no zone; they are read as UTC.
 * - sp500_daily.csv `date,open,high,low,close,adjclose,volume`: daily OHLCV; `adjclose` is ignored;
 *   the bar opens at 00:00 UTC of the date (a 1d bar).
 */
export type CsvKind = "quotes" | "ohlcv";

/** Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" as UTC epoch ms, or NaN. */
export function parseUtc(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?Z?$/.exec(s.trim());
  if (!m) return NaN;
  const [, y, mo, d, h = "0", mi = "0", se = "0"] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== "");
}

export function detectCsvKind(header: string): CsvKind {
  const cols = header.trim().toLowerCase().split(",");
  if (cols[0] === "time" && cols[1] === "price" && cols.length === 2) return "quotes";
  // `date,...` (sp500_daily.csv) or `time,...` (the Binance crypto files: ISO UTC times).
  if ((cols[0] === "date" || cols[0] === "time") && ["open", "high", "low", "close"].every((c) => cols.includes(c)))
    return "ohlcv";
  throw new Error(`unknown CSV header: ${header}`);
}

/**
 * Parses either file format into validated bars. Rows that cannot be parsed or fail validation
 * are dropped and reported in `issues` (row index counts data rows from 0).
 */
export function parseBarsCsv(text: string): ValidationResult & { kind: CsvKind } {
  const lines = splitLines(text);
  const header = lines.shift();
  if (header === undefined) throw new Error("empty CSV");
  const kind = detectCsvKind(header);
  const cols = header.trim().toLowerCase().split(",");
  const col = (name: string) => cols.indexOf(name);
  const iOpen = col("open"),
    iHigh = col("high"),
    iLow = col("low"),
    iClose = col("close"),
    iVol = col("volume");
  const parseIssues: BarIssue[] = [];
  const raw: Bar[] = [];
  const rowIndex: number[] = [];
  lines.forEach((line, index) => {
    const f = line.split(",");
    const time = parseUtc(f[0] ?? "");
    let bar: Bar;
    if (kind === "quotes") {
      const p = Number(f[1]);
      bar = { time, open: p, high: p, low: p, close: p };
    } else {
      bar = { time, open: Number(f[iOpen]), high: Number(f[iHigh]), low: Number(f[iLow]), close: Number(f[iClose]) };
      if (iVol >= 0 && f[iVol] !== undefined && f[iVol] !== "") bar.volume = Number(f[iVol]);
    }
    if (!Number.isFinite(time) || f.length !== cols.length) {
      parseIssues.push({ code: "malformed_row", index, message: `cannot parse row: ${line.slice(0, 80)}` });
      return;
    }
    raw.push(bar);
    rowIndex.push(index);
  });
  const v = validateBars(raw);
  // Report validation issues against the CSV row, not the index among parsed rows.
  const issues = [...parseIssues, ...v.issues.map((i) => ({ ...i, index: rowIndex[i.index] ?? i.index }))].sort(
    (a, b) => a.index - b.index,
  );
  return { kind, bars: v.bars, issues };
}

/** Bars as `time,open,high,low,close,volume` with ISO UTC times: the crypto files' format, read back by parseBarsCsv. */
export function formatBarsCsv(bars: readonly Bar[]): string {
  const rows = bars.map(
    (b) =>
      `${new Date(b.time).toISOString().replace(".000Z", "Z")},${b.open},${b.high},${b.low},${b.close},${b.volume ?? ""}`,
  );
  return `time,open,high,low,close,volume\n${rows.join("\n")}\n`;
}
