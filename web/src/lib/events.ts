import type { EventData, EventType } from "./contracts";
import { live } from "./live";

/** A browser event as it arrives: the server's `{seq, type, at, data}` (core/protocol/events.ts). */
export interface LiveEvent<T extends EventType> {
  seq: number;
  type: T;
  at: number;
  data: EventData<T>;
}

/**
 * Calls `fn` for every event of the given types. The server validates events before it sends them
 * (one zod schema per type), so the browser narrows by `type` and trusts the data's shape.
 * Returns the unsubscribe function (call it in onCleanup).
 */
export function onEvents<T extends EventType>(types: readonly T[], fn: (e: LiveEvent<T>) => void): () => void {
  const wanted = new Set<string>(types);
  return live.subscribe((f) => {
    if (wanted.has(f.type) && typeof f.seq === "number" && "data" in f) fn(f as unknown as LiveEvent<T>);
  });
}

/** `resync_required`: the log no longer holds what we missed; pages reload their state over REST. */
export function onResync(fn: () => void): () => void {
  return live.subscribe((f) => {
    if (f.type === "resync_required") fn();
  });
}
