import { BrowserAttachmentSchema } from "../../core/protocol/browser-socket";
import type { ResyncRequired, UserEvent } from "../../core/protocol/events";
import type { LogReaders } from "./event-log";

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

/** The user's connected browser sockets as readers of the event log (their acks hold the trim). */
export function browserReaders(ctx: DurableObjectState): LogReaders {
  const acked = () =>
    ctx.getWebSockets(BROWSER_TAG).flatMap((ws) => {
      const a = BrowserAttachmentSchema.safeParse(ws.deserializeAttachment());
      return a.success && a.data.ackedSeq !== undefined ? [{ ws, a: a.data, seq: a.data.ackedSeq }] : [];
    });
  return {
    ackedFloor() {
      const seqs = acked().map((r) => r.seq);
      return seqs.length === 0 ? null : Math.min(...seqs);
    },
    dropping(cutoff, notice) {
      for (const r of acked()) {
        if (r.seq >= cutoff) continue;
        const frame = notice(r.seq);
        try {
          r.ws.send(JSON.stringify(frame));
          // Told to reload: it no longer holds the log back.
          r.ws.serializeAttachment({ ...r.a, ackedSeq: frame.latest_seq });
        } catch {
          /* gone: it reconnects with since */
        }
      }
    },
  };
}
