import { Hono } from "hono";
import { SinceParamSchema } from "../../core/protocol/events";
import { USER_ID_HEADER, userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { requireAuth } from "../auth/require-auth";
import { errorJson } from "../middleware/errors";

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

/**
 * `GET /api/v1/activities/stream`: Server-Sent Events of the caller's activity feed. Each event's
 * `id` is its sequence number in the user's event log, the same numbers the `/ws` socket uses; a
 * client that reconnects with `Last-Event-ID: n` (EventSource does this by itself) or `?since=n`
 * gets every activity after n first, in order, then live ones. The Worker reads them through a
 * socket to the user's object (`/ws?since=n`), so replay and live delivery are the socket's own:
 * the object sends the missed events and registers the socket in one turn, nothing slips in between.
 * A `since` older than the kept log gets `event: resync_required` (reload /activities/recent).
 */
export const activityStreamRoutes = new Hono<AppEnv>().get("/activities/stream", requireAuth, async (c) => {
  const raw = c.req.header("Last-Event-ID") ?? c.req.query("since");
  const since = raw === undefined || raw === "" ? undefined : SinceParamSchema.safeParse(raw);
  if (since && !since.success)
    return errorJson(c, 400, "bad_request", "Last-Event-ID (or since) must be a non-negative integer");
  const userId = c.get("userId");
  const url = new URL(c.req.url);
  url.pathname = "/ws";
  url.search = since ? `?since=${since.data}` : "";
  const res = await userObject(c.env, userId).fetch(
    new Request(url, { headers: { Upgrade: "websocket", [USER_ID_HEADER]: userId } }),
  );
  const ws = res.webSocket;
  if (!ws) return errorJson(c, 503, "unavailable", "the activity feed is not available right now");
  ws.accept();

  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const enc = new TextEncoder();
  let open = true;
  const finish = () => {
    if (!open) return;
    open = false;
    clearInterval(keepalive);
    clearTimeout(ackTimer);
    try {
      ws.close(1000, "stream closed");
    } catch {
      /* already closed */
    }
    writer.close().catch(() => undefined);
  };
  // A failed write means the client went away: close the socket to the object too.
  const write = (text: string) => void writer.write(enc.encode(text)).catch(finish);
  const keepalive = setInterval(() => write(": keep-alive\n\n"), KEEPALIVE_MS);
  // Acks what was handed to the stream (at most once a second) so the object's log need not keep it.
  let acked = -1;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  const ack = (seq: number) => {
    acked = Math.max(acked, seq);
    ackTimer ??= setTimeout(() => {
      ackTimer = undefined;
      if (open) ws.send(JSON.stringify({ type: "ack", seq: acked }));
    }, 1000);
  };
  ws.addEventListener("message", (e) => {
    if (typeof e.data !== "string") return;
    let frame: { type?: unknown; seq?: unknown };
    try {
      frame = JSON.parse(e.data) as typeof frame;
    } catch {
      return;
    }
    if (typeof frame.seq === "number") ack(frame.seq);
    if (frame.type === "activity" && typeof frame.seq === "number")
      write(`id: ${frame.seq}\nevent: activity\ndata: ${e.data}\n\n`);
    else if (frame.type === "resync_required") write(`event: resync_required\ndata: ${e.data}\n\n`);
  });
  ws.addEventListener("close", finish);
  ws.addEventListener("error", finish);
  write(": connected\n\n");
  return new Response(readable, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
});
