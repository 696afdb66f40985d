// The backtester's market orders as OrderIntentSchema's output without a zod parse per order, so it
// can hand them to PaperEngine.submitTrusted. The predicate vouches only for the shape the
// backtester builds (side, symbol, volume, sl, tp, client_order_id) and a mid price; whatever it
// can't vouch for goes through PaperEngine.submit, which parses and answers as it always did. It
// must never accept what the schemas refuse, and what it returns must be what they return
// (checked against them in fast-paths.test.ts).
import type { PriceInput } from "../paper/schemas";
import type { OrderIntent } from "../protocol/orders";

/** The order fields the backtester sets. */
export interface MarketIntent {
  side: "BUY" | "SELL";
  symbol: string;
  volume: number;
  sl: number | null;
  tp: number | null;
  client_order_id: string;
}

const SYMBOL = /^[A-Za-z0-9._#-]{2,32}$/;
const CLIENT_ID = /^[A-Za-z0-9._:-]+$/;
const price = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x > 0;

/**
 * OrderIntentSchema.parse(o) when this is sure it succeeds, else null (then use submit).
 * `idChecked`: o.client_order_id came from clientOrderId() with ids.valid true (checked there once).
 */
export function trustedIntent(o: MarketIntent, idChecked = false): OrderIntent | null {
  if (o.side !== "BUY" && o.side !== "SELL") return null;
  if (typeof o.symbol !== "string" || !SYMBOL.test(o.symbol)) return null;
  if (!price(o.volume) || o.volume > 10_000) return null;
  if (o.sl !== null && !price(o.sl)) return null;
  if (o.tp !== null && !price(o.tp)) return null;
  if (o.sl !== null && o.tp !== null && !(o.side === "BUY" ? o.sl < o.tp : o.sl > o.tp)) return null;
  const id = o.client_order_id;
  if (!idChecked && (typeof id !== "string" || id.length < 1 || id.length > 64 || !CLIENT_ID.test(id))) return null;
  // The schema's output: its transform spreads the rest, then volume, sl, tp.
  return { side: o.side, symbol: o.symbol, client_order_id: id, volume: o.volume, sl: o.sl, tp: o.tp };
}

/** PriceInputSchema.parse({ mid }) when this is sure it succeeds, else null. */
export function trustedMid(mid: number): PriceInput | null {
  return price(mid) ? { mid } : null;
}

/**
 * The backtester's client order ids: `${botId}:${c}` for a decision at c (the live cycle's), built
 * from two small integers when c is a whole number of ms (a double's shortest decimal form costs
 * ~1 us per order), and whether such an id surely passes ClientOrderIdSchema: the prefix is
 * checked once, the rest is digits, the length is counted.
 */
export class ClientOrderIds {
  private readonly prefix: string;
  private readonly prefixOk: boolean;
  constructor(botId: string) {
    this.prefix = `${botId}:`;
    this.prefixOk = CLIENT_ID.test(this.prefix);
  }

  id(c: number): string {
    if (!(Number.isSafeInteger(c) && c >= 1e6 && c < 2e15)) return `${this.prefix}${c}`;
    let hi = Math.floor(c / 1e6);
    let lo = c - hi * 1e6; // exact: integers below 2^53
    if (lo < 0) {
      hi -= 1;
      lo += 1e6;
    } else if (lo >= 1e6) {
      hi += 1;
      lo -= 1e6;
    }
    return `${this.prefix}${hi}${String(1e6 + lo).slice(1)}`;
  }

  /** id (from this.id(c)) passes ClientOrderIdSchema. */
  valid(id: string, c: number): boolean {
    return this.prefixOk && Number.isSafeInteger(c) && c >= 0 && id.length <= 64;
  }
}
