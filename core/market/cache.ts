import type { Timeframe } from "./timeframes";
import { nextCloseAfter } from "./timeframes";

/**
 * Timeframe-aware TTL cache: an entry for timeframe tf stays valid until the next tf bar close
 * after it was stored (plus `graceMs`, the time the source needs to publish that bar). Before
 * then no new closed bar can exist, so refetching is waste; after it the entry is stale by design.
 * Bounded: the oldest-inserted entry is evicted past `maxEntries`. Clock injected.
 */
export class TimeframeCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly opts: { maxEntries?: number; graceMs?: number } = {},
  ) {}

  /** The expiry an entry stored now for `tf` gets. */
  expiryFor(tf: Timeframe, at = this.now()): number {
    return nextCloseAfter(at, tf) + (this.opts.graceMs ?? 0);
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, tf: Timeframe, value: V): void {
    this.entries.delete(key); // re-insert so eviction order follows the latest write
    this.entries.set(key, { value, expiresAt: this.expiryFor(tf) });
    const max = this.opts.maxEntries ?? 256;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Cached value, or load and cache it. Loader results that `shouldCache` rejects (failures) are not kept. */
  async getOrLoad(
    key: string,
    tf: Timeframe,
    load: () => Promise<V>,
    shouldCache: (v: V) => boolean = () => true,
  ): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = await load();
    if (shouldCache(v)) this.set(key, tf, v);
    return v;
  }

  get size(): number {
    return this.entries.size;
  }
}
