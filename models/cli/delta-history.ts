// Delta Exchange history for the backtester: closed candles of one symbol/timeframe over [from, to],
// fetched over Delta's public REST API in pages of 2,000 (core/market/delta.ts: retries, 429 waits
// X-RATE-LIMIT-RESET) and cached as CSV, so a rerun with the same range reads the file and needs no
// network. Holes Delta has no candles for (outages) stay holes: they are reported, not filled.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Bar } from "../../core/market/bar";
import { formatBarsCsv, parseBarsCsv } from "../../core/market/csv";
import { DELTA_MAX_CANDLES, DeltaCandlesSource, type FetchLike } from "../../core/market/delta";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";

export interface DeltaHistoryRequest {
  baseUrl: string;
  symbol: string;
  timeframe: Timeframe;
  /** Open times (epoch ms), inclusive. */
  from: number;
  to: number;
  cacheDir: string;
  fetch?: FetchLike;
}

export interface DeltaHistory {
  bars: Bar[];
  file: string;
  /** true: read from the cache file, no request made. */
  cached: boolean;
  requests: number;
  /** Candles missing inside the range (Delta had none: outages). */
  missing: number;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace(/[:]/g, "");

export function deltaCacheFile(r: Pick<DeltaHistoryRequest, "cacheDir" | "symbol" | "timeframe" | "from" | "to">) {
  return join(r.cacheDir, `delta_${r.symbol}_${r.timeframe}_${iso(r.from)}_${iso(r.to)}.csv`);
}

export async function deltaHistory(r: DeltaHistoryRequest): Promise<DeltaHistory> {
  const dur = TIMEFRAME_MS[r.timeframe];
  const from = Math.ceil(r.from / dur) * dur;
  const to = Math.floor(r.to / dur) * dur;
  if (from > to) throw new Error(`empty range: no ${r.timeframe} candle opens between the given times`);
  const file = deltaCacheFile({ ...r, from, to });
  const expected = (to - from) / dur + 1;
  if (existsSync(file)) {
    const { bars } = parseBarsCsv(readFileSync(file, "utf8"));
    return { bars, file, cached: true, requests: 0, missing: expected - bars.length };
  }
  const source = new DeltaCandlesSource({ fetch: r.fetch ?? fetch, baseUrl: r.baseUrl, onGap: "allow" });
  const bars: Bar[] = [];
  let requests = 0;
  for (let start = from; start <= to; start += DELTA_MAX_CANDLES * dur) {
    const end = Math.min(to, start + (DELTA_MAX_CANDLES - 1) * dur);
    requests++;
    const page = await source.getBars({ symbol: r.symbol, timeframe: r.timeframe, start, end });
    if (!page.ok) {
      if (page.reason === "no_data") continue;
      throw new Error(`Delta ${r.symbol} ${r.timeframe} ${iso(start)}..${iso(end)}: ${page.reason}: ${page.message}`);
    }
    bars.push(...page.bars.filter((b) => b.time >= start && b.time <= end));
  }
  if (bars.length === 0) throw new Error(`Delta has no closed ${r.timeframe} candles of ${r.symbol} in the range`);
  mkdirSync(r.cacheDir, { recursive: true });
  writeFileSync(file, formatBarsCsv(bars));
  return { bars, file, cached: false, requests, missing: expected - bars.length };
}
