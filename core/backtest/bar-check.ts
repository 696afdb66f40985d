// The paper engine's BarSchema (core/paper/schemas.ts) as a plain predicate, so the backtester can
// hand bars to PaperEngine.processTrustedBar without a zod parse per bar. A bar the predicate
// refuses goes through BarSchema.parse, which throws the same error processBar always threw; the
// predicate must never accept a bar BarSchema refuses (checked against it in fast-paths.test.ts).
import { type Bar, BarSchema } from "../paper/schemas";

const price = (x: number) => typeof x === "number" && Number.isFinite(x) && x > 0;

export function isPaperBar(b: Bar): boolean {
  return (
    typeof b.symbol === "string" &&
    Number.isSafeInteger(b.time) &&
    b.time >= 0 &&
    price(b.open) &&
    price(b.high) &&
    price(b.low) &&
    price(b.close) &&
    (b.spreadPoints === undefined ||
      (typeof b.spreadPoints === "number" && Number.isFinite(b.spreadPoints) && b.spreadPoints >= 0)) &&
    b.low <= Math.min(b.open, b.close) &&
    b.high >= Math.max(b.open, b.close)
  );
}

/** The bar if it passes BarSchema; otherwise BarSchema's own error. */
export function checkedPaperBar(b: Bar): Bar {
  return isPaperBar(b) ? b : BarSchema.parse(b);
}
