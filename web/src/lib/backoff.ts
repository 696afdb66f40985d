/** Reconnect delays: exponential growth with full jitter, never under 1 s nor over 30 s. */
export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * Delay before reconnect attempt `attempt` (0-based). The ceiling doubles from 1 s up to 30 s and
 * the delay is uniform in [1 s, ceiling] ("full jitter" with a 1 s floor), so a deploy that drops
 * every socket does not bring them all back in the same second.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(BACKOFF_MIN_MS + random() * (ceiling - BACKOFF_MIN_MS));
}
