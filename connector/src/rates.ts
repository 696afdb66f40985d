import type { Bar } from "../../core/market/bar";
import { TIMEFRAME_MS, type Timeframe } from "../../core/market/timeframes";
import { checkBar, cleanBars } from "../../core/market/validate";
import type { BarClosed, RatesError, RatesRequest, RatesResponse } from "../../core/protocol/market-data";
import { type Broker, BrokerError } from "./brokers/broker";
import type { Logger } from "./log";

/**
 * RATES_REQUEST -> the broker's bars -> RATES_RESPONSE. Bars are validated here (core/market/validate)
 * so the object never sees a broken bar from this side; bars not yet closed are dropped. A request
 * also subscribes the pair, so its bar closes are pushed as BAR_CLOSED from then on.
 */
export async function answerRates(broker: Broker, req: RatesRequest, now: number, log: Logger): Promise<RatesResponse> {
  const head = { type: "RATES_RESPONSE" as const, id: req.id, symbol: req.symbol, timeframe: req.timeframe };
  if (!broker.rates)
    return { ...head, error: { code: "no_data", message: `the ${broker.kind} broker has no market feed` } };
  try {
    const raw = await broker.rates(req.symbol, req.timeframe, req.count);
    const bars = closedValid(raw, req.timeframe, now, (n, first) =>
      log.warn(`rates ${req.symbol} ${req.timeframe}: dropped ${n} bad bar(s), first: ${first}`),
    );
    broker.subscribeBars?.(req.symbol, req.timeframe);
    if (bars.length === 0)
      return {
        ...head,
        error: { code: "no_data", message: `the terminal has no closed ${req.timeframe} bars for ${req.symbol}` },
      };
    return { ...head, bars: bars.slice(-req.count) };
  } catch (e) {
    return { ...head, error: ratesError(e) };
  }
}

/** A pushed bar close as a BAR_CLOSED frame, or null when the bar is unusable (logged). */
export function barClosedFrame(symbol: string, timeframe: Timeframe, bar: Bar, log: Logger): BarClosed | null {
  const bad = checkBar(bar);
  if (bad) {
    log.warn(`bar_closed ${symbol} ${timeframe} dropped: ${bad.code}: ${bad.message}`);
    return null;
  }
  return { type: "BAR_CLOSED", symbol, timeframe, bar };
}

function closedValid(
  raw: readonly Bar[],
  tf: Timeframe,
  now: number,
  report: (n: number, first: string) => void,
): Bar[] {
  const v = cleanBars(raw);
  if (v.issues.length) report(v.issues.length, `${v.issues[0]!.code}: ${v.issues[0]!.message}`);
  return v.bars.filter((b) => b.time + TIMEFRAME_MS[tf] <= now);
}

function ratesError(e: unknown): RatesError {
  if (e instanceof BrokerError) {
    const code =
      e.code === "terminal_unavailable"
        ? "terminal_unavailable"
        : e.code === "not_found"
          ? "unknown_symbol"
          : e.code === "invalid"
            ? "unsupported_timeframe"
            : "internal";
    return { code, message: e.message.slice(0, 500) };
  }
  return { code: "internal", message: String(e).slice(0, 500) };
}
