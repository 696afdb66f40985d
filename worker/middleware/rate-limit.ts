import type { Context, MiddlewareHandler } from "hono";
import type { RateLimit } from "../../platform/env";
import type { AppEnv } from "../app-env";
import { errorJson } from "./errors";

/** Window of the limiter bindings in wrangler.toml; Retry-After tells the client to wait it out. */
const WINDOW_SECONDS = 60;

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? c.req.header("X-Real-IP") ?? "local";
}

/** Workers Rate Limiting API: per IP for auth routes, per verified user elsewhere. */
export function rateLimit(
  pick: (env: AppEnv["Bindings"]) => RateLimit,
  keyOf: (c: Context<AppEnv>) => string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { success } = await pick(c.env).limit({ key: keyOf(c) });
    if (!success) {
      return errorJson(c, 429, "rate_limited", "too many requests, retry later", undefined, {
        "Retry-After": String(WINDOW_SECONDS),
      });
    }
    await next();
  };
}

/** Login, register, password change: every attempt costs an argon2id hash, so few per minute. */
export const authRateLimit = rateLimit(
  (e) => e.AUTH_LIMITER,
  (c) => `ip:${clientIp(c)}`,
);
/**
 * Refresh and logout: no password hashing, and every page load refreshes once, so a limit of its
 * own sized for real use (a reload every second or two for minutes, a few tabs, a shared address).
 */
export const refreshRateLimit = rateLimit(
  (e) => e.REFRESH_LIMITER,
  (c) => `ip:${clientIp(c)}`,
);
export const userRateLimit = rateLimit(
  (e) => e.API_LIMITER,
  (c) => `user:${c.get("userId")}`,
);
