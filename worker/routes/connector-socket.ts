import { Hono } from "hono";
import { verifyConnectorToken } from "../../platform/auth/connector-tokens";
import { db } from "../../platform/db/client";
import { CONNECTOR_TOKEN_ID_HEADER, USER_ID_HEADER, userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { errorJson } from "../middleware/errors";
import { clientIp } from "../middleware/rate-limit";

/** The period of CONNECTOR_AUTH_LIMITER in wrangler.toml: a refused client may try again after it. */
export const CONNECTOR_AUTH_WINDOW_SECONDS = 10;

/**
 * `GET /api/v1/connector/ws`: the connector's socket. Authenticated by `Authorization: Bearer
 * <connector token>` (live in D1, not revoked); the object is named by the token's user only, so
 * nothing in the request can reach another user's object.
 */
export const connectorSocketRoutes = new Hono<AppEnv>().get("/connector/ws", async (c) => {
  const auth = c.req.header("Authorization") ?? "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
  if (!token) return errorJson(c, 401, "unauthorized", "connector token required (Authorization: Bearer etc_...)");
  // Before the D1 lookup: a client guessing tokens pays with its rate, not our database.
  const { success } = await c.env.CONNECTOR_AUTH_LIMITER.limit({ key: `ip:${clientIp(c)}` });
  if (!success)
    return errorJson(
      c,
      429,
      "rate_limited",
      "too many connector connection attempts from this address; retry later",
      undefined,
      { "Retry-After": String(CONNECTOR_AUTH_WINDOW_SECONDS) },
    );
  const owner = await verifyConnectorToken(db(c.env), token);
  if (!owner) return errorJson(c, 401, "unauthorized", "connector token unknown or revoked");
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
    return errorJson(c, 426, "bad_request", "expected a websocket upgrade");
  const headers = new Headers({
    Upgrade: "websocket",
    [USER_ID_HEADER]: owner.userId,
    [CONNECTOR_TOKEN_ID_HEADER]: owner.tokenId,
  });
  const url = new URL(c.req.url);
  url.pathname = "/connector";
  url.search = "";
  const res = await userObject(c.env, owner.userId).fetch(new Request(url, { headers, method: "GET" }));
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
});
