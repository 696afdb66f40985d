import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { CSRF_HEADER } from "../../core/protocol/auth";
import type { AppEnv } from "../app-env";

const allowlists = new Map<string, Set<string>>();
function allowlist(raw: string): Set<string> {
  let set = allowlists.get(raw);
  if (!set) {
    set = new Set(
      raw
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    );
    allowlists.set(raw, set);
  }
  return set;
}

export const isAllowedOrigin = (allowed: string, origin: string) => allowlist(allowed).has(origin);

/**
 * CORS from the ALLOWED_ORIGINS allowlist. An unlisted (or absent) origin gets no CORS headers at
 * all: hono's cors() would still send Allow-Credentials, so it only runs for listed origins.
 */
export const corsFromAllowlist: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("Origin");
  if (!origin || !allowlist(c.env.ALLOWED_ORIGINS).has(origin)) {
    await next();
    c.header("Vary", "Origin", { append: true }); // caches must not reuse this answer for a listed origin
    return;
  }
  return cors({
    origin,
    credentials: true,
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id", CSRF_HEADER],
    exposeHeaders: ["X-Request-Id", "Retry-After"],
    maxAge: 600,
  })(c, next);
};
