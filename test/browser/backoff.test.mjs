// The dashboard's reconnect schedule (web/src/lib/backoff.ts), property-tested with fast-check.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, backoffDelay } from "../../web/src/lib/backoff.ts";

test("every delay lies in [1 s, min(30 s, 1 s * 2^attempt)]", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, r) => {
        const d = backoffDelay(attempt, () => r);
        const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
        return d >= BACKOFF_MIN_MS && d <= ceiling;
      },
    ),
  );
});

test("the jitter spans the whole window (full jitter), the cap is reached and never passed", () => {
  assert.equal(
    backoffDelay(0, () => 0.99),
    1_000,
  );
  assert.equal(
    backoffDelay(3, () => 0),
    1_000,
  );
  assert.equal(
    backoffDelay(3, () => 0.999999),
    8_000,
  );
  assert.equal(
    backoffDelay(5, () => 0.999999),
    30_000,
  );
  assert.equal(
    backoffDelay(60, () => 0.999999),
    30_000,
  );
  const spread = new Set(Array.from({ length: 200 }, () => backoffDelay(6)));
  assert.ok(spread.size > 100, "random delays should differ from one another");
});
