// Shared helpers for workerd tests: call the Worker as a client would, and make users.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { AuthSessionSchema } from "../../core/protocol/auth";

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

export async function registerUser(email: string = uniqueEmail(), password: string = TEST_PASSWORD): Promise<TestUser> {
  const res = await api("/api/v1/auth/register", { method: "POST", json: { email, password } });
  expect(res.status).toBe(201);
  const body = AuthSessionSchema.parse(await res.json());
  return { userId: body.user.id, email: body.user.email, password, accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** Row count of a D1 table (to show a refused request stored nothing). */
export async function countRows(db: D1Database, table: "users" | "refresh_tokens" | "connector_tokens"): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}
