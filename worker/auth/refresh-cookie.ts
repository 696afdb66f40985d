// The refresh token's cookie: HttpOnly (page script never sees it), SameSite=Strict (never sent
// from another site), Path=/api/v1/auth (only the auth routes receive it), Secure except on a
// loopback host: `npm start` serves plain http on 127.0.0.1/localhost, where a browser would drop
// or refuse to send a Secure cookie on some browsers; everywhere else the flag is always set.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH } from "../../core/protocol/auth";
import type { AppEnv } from "../app-env";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const isLoopbackHost = (url: string) => LOOPBACK.has(new URL(url).hostname);

const options = (c: Context<AppEnv>) => ({
  path: REFRESH_COOKIE_PATH,
  httpOnly: true,
  secure: !isLoopbackHost(c.req.url),
  sameSite: "Strict" as const,
});

export function setRefreshCookie(c: Context<AppEnv>, token: string, ttlSeconds: number): void {
  setCookie(c, REFRESH_COOKIE, token, { ...options(c), maxAge: ttlSeconds });
}

export function clearRefreshCookie(c: Context<AppEnv>): void {
  deleteCookie(c, REFRESH_COOKIE, options(c));
}

export function refreshCookie(c: Context<AppEnv>): string | undefined {
  const v = getCookie(c, REFRESH_COOKIE);
  return v && v.length <= 128 ? v : undefined;
}
