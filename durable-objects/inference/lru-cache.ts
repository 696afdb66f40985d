// A small LRU of promises: concurrent loads of one key share a single load, a failed load is not
// cached, and evicted values are disposed (ORT sessions hold wasm memory until released).
export class LruCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(
    readonly maxEntries: number,
    private readonly dispose: (value: V, key: string) => void | Promise<void> = () => {},
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError("maxEntries must be a positive integer");
  }

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The cached value for key (marked most recently used), or the result of load(), cached. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = load();
    this.entries.set(key, pending);
    pending.catch(() => {
      if (this.entries.get(key) === pending) this.entries.delete(key);
    });
    this.evict();
    return pending;
  }

  delete(key: string): void {
    const p = this.entries.get(key);
    if (!p) return;
    this.entries.delete(key);
    this.disposeLater(p, key);
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  private disposeLater(p: Promise<V>, key: string): void {
    p.then((v) => this.dispose(v, key)).catch(() => {});
  }
}
