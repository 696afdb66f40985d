// Per-socket frame budget of a connector socket (docs/CONNECTOR_PROTOCOL.md, "Frame budget"): a
// token bucket over every frame, checked before the frame is parsed, so a flooding connector costs
// the object a counter per frame and never a parse, a write or a browser event. Kept in memory: a
// socket that floods keeps the object awake, and a socket that hibernated starts with a full bucket.

/** Frames a socket may send in a burst (the journal re-sent after a reconnect fits in it). */
export const FRAME_BURST = 1000;
/** Frames per second a socket may send on average. */
export const FRAMES_PER_SECOND = 500;
/**
 * A socket that had this many frames refused within FLOOD_WINDOW_MS is closed with CLOSE_FLOOD. Kept
 * low: refused frames cost no parse, but each is still an event on the runtime's thread, and a flood
 * already buffered is dispatched back to back (bench/connector-flood.ts: other requests stalled until
 * the close; 2,000 gave stalls of 0.9-1.9 s at load average 10).
 */
export const FLOOD_CLOSE_REFUSED = 500;
export const FLOOD_WINDOW_MS = 10_000;
/** At most one ERROR rate_limited per this interval (it counts the frames refused since the last one). */
export const REFUSAL_NOTICE_MS = 1000;

export type BudgetVerdict = { ok: true } | { ok: false; notify: number | null; close: boolean };

export class FrameBudget {
  private tokens = FRAME_BURST;
  private refilledAt: number;
  private windowStart: number;
  private refusedInWindow = 0;
  private unreported = 0;
  private noticeAt = -Infinity;

  constructor(now: number) {
    this.refilledAt = now;
    this.windowStart = now;
  }

  /** One frame arrived: ok, or refused (notify = frames refused since the last notice when one is due). */
  take(now: number): BudgetVerdict {
    this.tokens = Math.min(FRAME_BURST, this.tokens + ((now - this.refilledAt) * FRAMES_PER_SECOND) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    if (now - this.windowStart > FLOOD_WINDOW_MS) {
      this.windowStart = now;
      this.refusedInWindow = 0;
    }
    this.refusedInWindow++;
    this.unreported++;
    let notify: number | null = null;
    if (now - this.noticeAt >= REFUSAL_NOTICE_MS) {
      notify = this.unreported;
      this.unreported = 0;
      this.noticeAt = now;
    }
    return { ok: false, notify, close: this.refusedInWindow >= FLOOD_CLOSE_REFUSED };
  }
}
