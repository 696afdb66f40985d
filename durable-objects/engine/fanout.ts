import type { ResyncRequired, UserEvent } from "../../core/protocol/events";

export const BROWSER_TAG = "browser";

/**
 * Sends events to every browser socket of this object (the object is the user's, so these are
 * all the user's sockets). Serialised once per event; a socket that fails to send is closed so
 * its client reconnects with `since` and misses nothing.
 */
export function broadcast(ctx: DurableObjectState, events: readonly UserEvent[]): number {
  if (events.length === 0) return 0;
  const sockets = ctx.getWebSockets(BROWSER_TAG);
  if (sockets.length === 0) return 0;
  const frames = events.map((e) => JSON.stringify(e));
  for (const ws of sockets) {
    try {
      for (const f of frames) ws.send(f);
    } catch {
      try {
        ws.close(1011, "send failed; reconnect with since");
      } catch {
        /* already gone */
      }
    }
  }
  return sockets.length;
}

export function sendReplay(ws: WebSocket, replay: { events: UserEvent[] } | { resync: ResyncRequired }): void {
  if ("resync" in replay) ws.send(JSON.stringify(replay.resync));
  else for (const e of replay.events) ws.send(JSON.stringify(e));
}
