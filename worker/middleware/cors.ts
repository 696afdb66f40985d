import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env";

/** CORS from the ALLOWED_ORIGINS allowlist; an unlisted origin gets no CORS headers at all. */
export const corsFromAllowlist: MiddlewareHandler<AppEnv> = (c, next) => {
  const allowed = new Set(c.env.ALLOWED_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean));
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    credentials: true,
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Retry-After"],
    maxAge: 600,
  })(c, next);
};
