// STATUS_UPDATE and POSITIONS_UPDATE each describe the whole current state, so a burst of them is
// worth only its last frame: a socket's reports of one kind are applied at most once per
// COALESCE_MS, and whatever arrives in between waits, replaced by each newer frame, until then.

/** At most one applied frame of a kind per this interval per socket (4 a second). */
export const COALESCE_MS = 250;

export class Coalescer<T> {
  private appliedAt = -Infinity;
  private pending: T | null = null;
  /** Ids of waiting frames a newer one replaced: acknowledged when the newer one is applied. */
  private superseded: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly apply: (frame: T, superseded: string[]) => Promise<void> | void,
    private readonly ackId: (frame: T) => string | undefined = () => undefined,
  ) {}

  /** Applies now if the interval has passed, else keeps the frame as the latest one waiting. */
  offer(frame: T, now: number): Promise<void> | void {
    if (this.pending === null && now - this.appliedAt >= COALESCE_MS) {
      this.appliedAt = now;
      return this.apply(frame, []);
    }
    if (this.pending !== null) {
      const id = this.ackId(this.pending);
      if (id !== undefined) this.superseded.push(id);
    }
    this.pending = frame;
    this.timer ??= setTimeout(() => void this.flush(), Math.max(0, this.appliedAt + COALESCE_MS - now));
  }

  /** The socket closed: what waits is dropped (journaled frames come again after the reconnect). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.superseded = [];
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const frame = this.pending;
    const superseded = this.superseded;
    this.pending = null;
    this.superseded = [];
    if (frame === null) return;
    this.appliedAt = Date.now();
    try {
      await this.apply(frame, superseded);
    } catch (e) {
      console.error(JSON.stringify({ level: "error", msg: "coalesced connector report failed", error: String(e) }));
    }
  }
}
