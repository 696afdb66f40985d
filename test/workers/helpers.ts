// Shared helpers for workerd tests: call the Worker as a client would, and make users.

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import {
  type AuthSession,
  AuthSessionSchema,
  CSRF_HEADER,
  CSRF_HEADER_VALUE,
  REFRESH_COOKIE,
} from "../../core/protocol/auth";
import { signAccessToken } from "../../worker/auth/jwt";

export const BASE = "http://127.0.0.1:8787";
export const TEST_PASSWORD = "correct horse battery staple";

/**
 * A fresh client address. Auth routes are rate limited per IP (10 a minute), so each helper call
 * comes from its own address unless a test pins one to exercise the limiter.
 */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export interface ApiInit extends RequestInit {
  ip?: string;
  json?: unknown;
  token?: string;
}

/** fetch against the Worker (path relative to BASE); `json` sets body and Content-Type. */
export function api(path: string, init: ApiInit = {}): Promise<Response> {
  const { ip, json, token, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set("CF-Connecting-IP", ip ?? randomIp());
  if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
  let body = rest.body;
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(json);
  }
  return exports.default.fetch(new URL(path, BASE), { ...rest, headers, body });
}

export function authedFetch(token: string, path: string, init: ApiInit = {}): Promise<Response> {
  return api(path, { ...init, token });
}

export const uniqueEmail = (tag = "user") => `${tag}-${crypto.randomUUID()}@example.com`;

export interface TestUser {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** The refresh token a response set in its cookie (undefined when it set none). */
export function refreshCookieOf(res: Response): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const m = new RegExp(`^${REFRESH_COOKIE}=([^;]*)`).exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** A session answer: the JSON body plus the refresh token from its cookie. */
export async function sessionOf(res: Response): Promise<AuthSession & { refresh_token: string }> {
  const body = AuthSessionSchema.parse(await res.json());
  const refresh_token = refreshCookieOf(res);
  expect(refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { ...body, refresh_token: refresh_token! };
}

/** POST to a cookie-authenticated auth route as the dashboard does (cookie + CSRF header). */
export function withRefreshCookie(
  route: "refresh" | "logout",
  token: string | undefined,
  init: ApiInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("Cookie", `${REFRESH_COOKIE}=${token}`);
  if (!headers.has(CSRF_HEADER)) headers.set(CSRF_HEADER, CSRF_HEADER_VALUE);
  return api(`/api/v1/auth/${route}`, { method: "POST", ...init, headers });
}

export async function registerUser(email: string = uniqueEmail(), password: string = TEST_PASSWORD): Promise<TestUser> {
  const res = await api("/api/v1/auth/register", { method: "POST", json: { email, password } });
  expect(res.status).toBe(201);
  const body = await sessionOf(res);
  return {
    userId: body.user.id,
    email: body.user.email,
    password,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
  };
}

/**
 * An access token for `sub` without the register route (no argon2id): makes the user row if it is
 * missing, since the auth middleware refuses tokens whose subject does not exist.
 */
export async function tokenFor(sub: string, role: "user" | "admin" = "user", ttlSeconds = 900): Promise<string> {
  await env.DB.prepare("INSERT OR IGNORE INTO users (id, email, password_hash) VALUES (?, ?, ?)")
    .bind(sub, `${sub}@tokens.example.com`, "!")
    .run();
  return signAccessToken(env.JWT_SECRET, { sub, role, sid: crypto.randomUUID(), ver: 0 }, ttlSeconds);
}

/** Row count of a D1 table (to show a refused request stored nothing). */
export async function countRows(
  db: D1Database,
  table: "users" | "refresh_tokens" | "connector_tokens",
): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}
