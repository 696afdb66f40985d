import type { MiddlewareHandler } from "hono";
import { checkSession } from "../../platform/auth/session-state";
import type { AppEnv } from "../app-env";
import { errorJson } from "../middleware/errors";
import { verifyAccessToken } from "./jwt";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
/** Browsers can't set headers on a WebSocket upgrade: the token rides in a subprotocol instead. */
export const WS_TOKEN_PROTOCOL_PREFIX = "bearer.";
export const WS_PROTOCOL = "edgetrader.v1";

export function tokenFromRequest(req: Request): string | undefined {
  const header = req.headers.get("Authorization");
  const m = header ? BEARER.exec(header) : null;
  if (m) return m[1];
  const protocols =
    req.headers
      .get("Sec-WebSocket-Protocol")
      ?.split(",")
      .map((p) => p.trim()) ?? [];
  const p = protocols.find((x) => x.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  return p ? p.slice(WS_TOKEN_PROTOCOL_PREFIX.length) : undefined;
}

const INVALID_TOKEN = { "WWW-Authenticate": `Bearer error="invalid_token"` };

/**
 * Sets c.var.userId from a verified access token, or answers 401: also when the subject no longer
 * exists, the session was signed out, or the password changed since the token was issued.
 */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = tokenFromRequest(c.req.raw);
  if (!token)
    return errorJson(c, 401, "unauthorized", "missing bearer token", undefined, { "WWW-Authenticate": "Bearer" });
  const result = await verifyAccessToken(c.env.JWT_SECRET, token);
  if (!result.ok) {
    const message = result.reason === "expired" ? "access token expired" : "invalid access token";
    return errorJson(c, 401, "unauthorized", message, undefined, INVALID_TOKEN);
  }
  const { sub, sid, ver } = result.claims;
  const state = await checkSession(c.env.DB, sub, sid, ver);
  if (state !== "ok") {
    return errorJson(
      c,
      401,
      "unauthorized",
      state === "no_user" ? "user no longer exists" : "access token revoked",
      undefined,
      INVALID_TOKEN,
    );
  }
  c.set("userId", sub);
  c.set("sessionId", sid);
  c.set("role", result.claims.role);
  await next();
};

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get("role") !== "admin") return errorJson(c, 403, "forbidden", "admin only");
  await next();
};
