// Per-account login throttling (NIST SP 800-63B 5.2.2), on top of the per-IP limit: guesses spread
// over many addresses still slow down per account. Five failures are free; after that each failure
// locks the account's logins for 30 s, doubling up to 15 min; a success clears it; failures older
// than an hour are forgotten. Keyed by the SHA-256 of the normalised email, for unknown emails too,
// so a throttled answer says nothing about which emails have accounts. The lock can be used to
// slow a victim's own logins; its cap keeps that to 15 minutes at a time (the trade NIST accepts).
import { sha256Hex } from "./opaque-token";

export const FREE_FAILURES = 5;
export const BASE_LOCK_MS = 30_000;
export const MAX_LOCK_MS = 15 * 60_000;
const FORGET_AFTER_MS = 60 * 60_000;
const MAX_SHIFT = 10; // 30 s << 10 is past the cap already

const keyOf = (email: string) => sha256Hex(`login:${email}`);

/**
 * Counts an attempt before the password is checked (so parallel guesses cannot all slip in under
 * the count) in one atomic upsert. Returns 0 when the attempt may go on, else how many ms to wait.
 */
export async function beginLoginAttempt(d1: D1Database, email: string, now = Date.now()): Promise<number> {
  const row = await d1
    .prepare(
      `INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (?1, 1, ?2, 0)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN locked_until > ?2 THEN failures WHEN last_failure_at < ?2 - ?3 THEN 1 ELSE failures + 1 END,
         locked_until = CASE
           WHEN locked_until > ?2 THEN locked_until
           WHEN last_failure_at < ?2 - ?3 THEN 0
           WHEN failures + 1 >= ?4 THEN ?2 + min(?5 << min(failures + 1 - ?4, ?7), ?6)
           ELSE 0 END,
         last_failure_at = CASE WHEN locked_until > ?2 THEN last_failure_at ELSE ?2 END
       RETURNING locked_until AS lockedUntil, last_failure_at AS lastFailureAt`,
    )
    .bind(await keyOf(email), now, FORGET_AFTER_MS, FREE_FAILURES, BASE_LOCK_MS, MAX_LOCK_MS, MAX_SHIFT)
    .first<{ lockedUntil: number; lastFailureAt: number }>();
  // This attempt was counted (stamped now) unless a lock from before refused it.
  if (!row || row.lastFailureAt === now) return 0;
  return Math.max(1, row.lockedUntil - now);
}

/**
 * Forgets rows no login would read any more (unlocked, last failure over an hour ago: the next
 * attempt starts a fresh count either way). Without it every email ever guessed, accounts or not,
 * kept a row forever. Run by the cron (worker/index.ts). Returns how many rows went.
 */
export async function pruneLoginThrottle(d1: D1Database, now = Date.now()): Promise<number> {
  const r = await d1
    .prepare("DELETE FROM login_throttle WHERE locked_until <= ?1 AND last_failure_at < ?1 - ?2")
    .bind(now, FORGET_AFTER_MS)
    .run();
  return r.meta.changes;
}

/** The password was right: the account's count starts over. */
export async function clearLoginFailures(d1: D1Database, email: string): Promise<void> {
  await d1
    .prepare("DELETE FROM login_throttle WHERE key = ?")
    .bind(await keyOf(email))
    .run();
}
