import { Hono } from "hono";
import { SESSION_ID_HEADER, USER_ID_HEADER, userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { requireAuth, WS_PROTOCOL } from "../auth/require-auth";
import { errorJson } from "../middleware/errors";

/** `/ws`: authenticated upgrade, forwarded to the caller's own object (named by the token subject). */
export const socketRoutes = new Hono<AppEnv>().get("/ws", requireAuth, async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return errorJson(c, 426, "bad_request", "expected a websocket upgrade");
  }
  // Only what the object needs: nothing the client sent (its token, cookies, or a header the
  // object reads, such as X-Accepted-Protocol) is forwarded.
  const headers = new Headers({
    Upgrade: "websocket",
    [USER_ID_HEADER]: c.get("userId"),
    [SESSION_ID_HEADER]: c.get("sessionId"),
  });
  // Echo our protocol name (never the token-bearing one) so browsers accept the handshake.
  const offered =
    c.req
      .header("Sec-WebSocket-Protocol")
      ?.split(",")
      .map((p) => p.trim()) ?? [];
  if (offered.includes(WS_PROTOCOL)) headers.set("X-Accepted-Protocol", WS_PROTOCOL);
  const url = new URL(c.req.url);
  url.pathname = "/ws";
  const res = await userObject(c.env, c.get("userId")).fetch(new Request(url, { headers, method: "GET" }));
  // The object's response has immutable headers; re-wrap so middleware can add its own.
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
});
