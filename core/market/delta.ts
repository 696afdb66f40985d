import { z } from "zod";
import { errorMessage } from "../util/error-message";
import type { Bar } from "./bar";
import type { MarketDataFailure, MarketDataRequest, MarketDataResult, MarketDataSource } from "./source";
import { fail, selectRange } from "./source";
import { TIMEFRAME_MS } from "./timeframes";
import { dedupeByTime, validateBars } from "./validate";

/**
 * Delta Exchange public candles: GET {base}/v2/history/candles?resolution=&symbol=&start=&end=
 * (start/end in epoch SECONDS). Documented response (docs.delta.exchange "Get OHLC candles"; same
 * sample in ccxt's delta.ts):
 *   {"success":true,"result":[{"time":1605393120,"open":15989,"high":15989,"low":15987.5,"close":15987.5,"volume":565}, ...]}
 * `time` is the candle OPEN time in seconds. Errors: {"success":false,"error":{"code":"..."}}.
 * Hand-written client (no SDK ships for Workers); fetch and sleep are injected.
 */
export const DELTA_BASE_URLS = {
  global: "https://api.delta.exchange",
  india: "https://api.india.delta.exchange",
} as const;
/** Delta returns at most this many candles per request. */
export const DELTA_MAX_CANDLES = 2000;

const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)
    .transform(Number),
]);
// Live responses carry every field as a string (time too), e.g. {"time":"1710327600","open":"73243",...};
// the docs' samples show numbers. Both are accepted.
const epochSeconds = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
]);
export const DeltaCandleSchema = z.object({
  time: epochSeconds,
  open: num,
  high: num,
  low: num,
  close: num,
  volume: num.nullish(),
});
export const DeltaCandlesResponseSchema = z.object({ success: z.literal(true), result: z.array(DeltaCandleSchema) });
export const DeltaErrorResponseSchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string() }).passthrough(),
});

/** The slice of fetch this client uses; satisfied by the global fetch of workerd, Node and browsers. */
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string> },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export interface DeltaOptions {
  fetch: FetchLike;
  baseUrl?: string;
  /** Attempts per request including the first (bounded). Default 3. */
  maxAttempts?: number;
  /** Exponential backoff base for 5xx/network errors. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts; a Retry-After above it ends the retries. Default 10 s. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** "fail" (default): a missing candle inside the range is reason "gap". "allow": return them, gaps reported as issues. */
  onGap?: "fail" | "allow";
}

type Attempt =
  | { kind: "ok"; body: string }
  | { kind: "retryable"; failure: MarketDataFailure; waitMs: number }
  | { kind: "final"; failure: MarketDataFailure };

const SOURCE = "delta";

/** Workers and Node both have setTimeout; core's types do not, hence the narrow cast. */
const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) =>
    (globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown }).setTimeout(resolve, ms),
  );

export class DeltaCandlesSource implements MarketDataSource {
  readonly name = SOURCE;
  private readonly o: Required<Omit<DeltaOptions, "baseUrl">> & { baseUrl: string };

  constructor(opts: DeltaOptions) {
    this.o = {
      baseUrl: (opts.baseUrl ?? DELTA_BASE_URLS.india).replace(/\/+$/, ""),
      fetch: opts.fetch,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 3),
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 10_000,
      sleep: opts.sleep ?? defaultSleep,
      now: opts.now ?? Date.now,
      onGap: opts.onGap ?? "fail",
    };
  }

  /** The request URL for a range in ms (sent as seconds). */
  url(req: MarketDataRequest, startMs: number, endMs: number): string {
    const q = [
      ["resolution", req.timeframe],
      ["symbol", req.symbol],
      ["start", String(Math.floor(startMs / 1000))],
      ["end", String(Math.floor(endMs / 1000))],
    ];
    return `${this.o.baseUrl}/v2/history/candles?${q.map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join("&")}`;
  }

  async getBars(req: MarketDataRequest): Promise<MarketDataResult> {
    const dur = TIMEFRAME_MS[req.timeframe];
    const now = this.o.now();
    // Only closed bars: the newest acceptable open time is the one whose close <= now.
    const lastClosedOpen = Math.floor(now / dur) * dur - dur;
    const end = Math.min(req.end ?? lastClosedOpen, lastClosedOpen);
    const count = Math.min(req.count ?? (req.start === undefined ? 500 : DELTA_MAX_CANDLES), DELTA_MAX_CANDLES);
    const start = req.start ?? end - (count - 1) * dur;
    if (start > end) return fail(SOURCE, "no_data", "no closed bar in the requested range");

    const body = await this.fetchWithRetry(this.url(req, start, end));
    if (typeof body !== "string") return body;
    return this.parse(body, req, start, end);
  }

  private async fetchWithRetry(url: string): Promise<string | MarketDataFailure> {
    let last: MarketDataFailure = fail(SOURCE, "upstream_error", "no attempt made");
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      const r = await this.attempt(url, attempt);
      if (r.kind === "ok") return r.body;
      if (r.kind === "final") return r.failure;
      last = r.failure;
      if (attempt === this.o.maxAttempts || r.waitMs > this.o.maxDelayMs) break;
      await this.o.sleep(r.waitMs);
    }
    return last;
  }

  private async attempt(url: string, attempt: number): Promise<Attempt> {
    const backoff = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    let res: Awaited<ReturnType<FetchLike>>;
    let body: string;
    try {
      res = await this.o.fetch(url, { method: "GET", headers: { Accept: "application/json" } });
      body = await res.text();
    } catch (e) {
      const msg = errorMessage(e);
      return { kind: "retryable", failure: fail(SOURCE, "upstream_error", `network error: ${msg}`), waitMs: backoff };
    }
    if (res.status === 429) {
      // Delta documents X-RATE-LIMIT-RESET (ms until the quota resets); Retry-After is the HTTP standard.
      const reset = Number(res.headers.get("x-rate-limit-reset") ?? NaN);
      const waitMs =
        (Number.isFinite(reset) && reset >= 0 ? reset : undefined) ??
        parseRetryAfter(res.headers.get("retry-after"), this.o.now()) ??
        backoff;
      return {
        kind: "retryable",
        failure: fail(SOURCE, "rate_limited", `Delta returned 429 (attempt ${attempt})`, waitMs),
        waitMs,
      };
    }
    if (res.status >= 500) {
      return {
        kind: "retryable",
        failure: fail(
          SOURCE,
          "upstream_error",
          `Delta returned ${res.status} (attempt ${attempt}): ${errorCode(body)}`,
        ),
        waitMs: backoff,
      };
    }
    if (res.status !== 200) {
      return { kind: "final", failure: fail(SOURCE, "rejected", `Delta returned ${res.status}: ${errorCode(body)}`) };
    }
    return { kind: "ok", body };
  }

  private parse(body: string, req: MarketDataRequest, start: number, end: number): MarketDataResult {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return fail(SOURCE, "malformed", `body is not JSON: ${body.slice(0, 80)}`);
    }
    const err = DeltaErrorResponseSchema.safeParse(json);
    if (err.success) return fail(SOURCE, "rejected", `Delta error: ${err.data.error.code}`);
    const parsed = DeltaCandlesResponseSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return fail(
        SOURCE,
        "malformed",
        `unexpected candles format at ${first?.path.join(".") ?? "?"}: ${first?.message ?? ""}`,
      );
    }
    const mapped: Bar[] = parsed.data.result.map((c) => {
      const b: Bar = { time: c.time * 1000, open: c.open, high: c.high, low: c.low, close: c.close };
      if (c.volume !== undefined && c.volume !== null) b.volume = c.volume;
      return b;
    });
    // Order is not relied on (newest-first and oldest-first both occur in the wild): sort, last duplicate wins.
    const deduped = dedupeByTime(mapped);
    const dur = TIMEFRAME_MS[req.timeframe];
    const misaligned = deduped.bars.find((b) => b.time % dur !== 0);
    if (misaligned)
      return fail(SOURCE, "malformed", `candle time ${misaligned.time / 1000} is not on a ${req.timeframe} boundary`);
    const v = validateBars(deduped.bars);
    if (v.issues.length > 0) {
      return fail(SOURCE, "malformed", `${v.issues.length} invalid candle(s), first: ${v.issues[0]!.message}`);
    }
    // A forming candle (close > now) or anything outside the asked range is dropped, never used.
    const bars = selectRange(v.bars, { start, end, ...(req.count === undefined ? {} : { count: req.count }) });
    if (bars.length === 0) return fail(SOURCE, "no_data", `no candles for ${req.symbol} ${req.timeframe} in range`);
    const gaps = findGaps(bars, dur);
    if (gaps.length > 0 && this.o.onGap === "fail") {
      const g = gaps[0]!;
      return fail(
        SOURCE,
        "gap",
        `${gaps.length} gap(s) in ${req.symbol} ${req.timeframe}; first: ${g.missing} bar(s) missing after ${new Date(g.after).toISOString()}`,
      );
    }
    const issues = [
      ...deduped.issues,
      ...gaps.map((g) => ({
        code: "gap" as const,
        index: -1,
        time: g.after,
        message: `gap: ${g.missing} bar(s) missing`,
      })),
    ];
    return { ok: true, symbol: req.symbol, timeframe: req.timeframe, bars, issues, source: SOURCE };
  }
}

/** Missing bars between consecutive bars (bars sorted, aligned). */
export function findGaps(bars: readonly Bar[], dur: number): { after: number; missing: number }[] {
  const gaps: { after: number; missing: number }[] = [];
  for (let i = 1; i < bars.length; i++) {
    const step = bars[i]!.time - bars[i - 1]!.time;
    if (step > dur) gaps.push({ after: bars[i - 1]!.time, missing: step / dur - 1 });
  }
  return gaps;
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function errorCode(body: string): string {
  try {
    const e = DeltaErrorResponseSchema.safeParse(JSON.parse(body));
    if (e.success) return e.data.error.code;
  } catch {
    /* not JSON: show the start of the body */
  }
  return body.slice(0, 80);
}
