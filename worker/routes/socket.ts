import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { requireAuth, WS_PROTOCOL } from "../auth/require-auth";
import { errorJson } from "../middleware/errors";
import { USER_ID_HEADER, userObject } from "../../platform/object-address";

/** `/ws`: authenticated upgrade, forwarded to the caller's own object (named by the token subject). */
export const socketRoutes = new Hono<AppEnv>().get("/ws", requireAuth, async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return errorJson(c, 426, "bad_request", "expected a websocket upgrade");
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set(USER_ID_HEADER, c.get("userId"));
  headers.delete("Authorization");
  // Echo our protocol name (never the token-bearing one) so browsers accept the handshake.
  const offered = c.req.header("Sec-WebSocket-Protocol")?.split(",").map((p) => p.trim()) ?? [];
  if (offered.includes(WS_PROTOCOL)) headers.set("X-Accepted-Protocol", WS_PROTOCOL);
  const url = new URL(c.req.url);
  url.pathname = "/ws";
  const res = await userObject(c.env, c.get("userId")).fetch(new Request(url, { headers, method: "GET" }));
  // The object's response has immutable headers; re-wrap so middleware can add its own.
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
});
