import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { AuthSessionSchema, UserSchema } from "../../core/protocol/auth";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { sha256Hex } from "../../platform/auth/opaque-token";
import { db } from "../../platform/db/client";
import { signAccessToken } from "../../worker/auth/jwt";
import { CURRENT_PARAMS, hashPassword, parsePhc } from "../../worker/auth/password";
import { issueRefreshToken } from "../../worker/auth/refresh-tokens";
import { api, countRows, registerUser, sessionOf, TEST_PASSWORD, uniqueEmail, withRefreshCookie } from "./helpers";

const post = (path: string, json: unknown, ip?: string) =>
  api(`/api/v1/auth/${path}`, { method: "POST", json, ...(ip ? { ip } : {}) });

async function tokenRow(token: string) {
  return env.DB.prepare("SELECT * FROM refresh_tokens WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<{ family_id: string; rotated_at: number | null; revoked_at: number | null; user_id: string }>();
}

const b64url = (obj: unknown) => btoa(JSON.stringify(obj)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("register", () => {
  it("creates the user with a normalised email, an argon2id PHC hash and a hashed refresh token", async () => {
    const tag = crypto.randomUUID();
    const res = await post("register", { email: `  Mixed.${tag}@Example.COM `, password: TEST_PASSWORD });
    expect(res.status).toBe(201);
    const body = await sessionOf(res);
    expect(body.user.email).toBe(`mixed.${tag}@example.com`);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(Number(env.ACCESS_TOKEN_TTL_SECONDS));

    const user = await env.DB.prepare("SELECT email, password_hash FROM users WHERE id = ?")
      .bind(body.user.id)
      .first<{ email: string; password_hash: string }>();
    expect(user?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(user?.password_hash).not.toContain(TEST_PASSWORD);
    expect(parsePhc(user!.password_hash)?.salt.length).toBe(16);

    // Only the SHA-256 of the refresh token is stored.
    const row = await tokenRow(body.refresh_token);
    expect(row?.user_id).toBe(body.user.id);
    const raw = await env.DB.prepare("SELECT COUNT(*) AS n FROM refresh_tokens WHERE token_hash = ?")
      .bind(body.refresh_token)
      .first<{ n: number }>();
    expect(raw?.n).toBe(0);
  });

  it("answers 409 for an email that exists (in any case) and stores nothing", async () => {
    const u = await registerUser();
    const before = await countRows(env.DB, "users");
    const res = await post("register", { email: u.email.toUpperCase(), password: "another password 123" });
    expect(res.status).toBe(409);
    expect(ApiErrorSchema.parse(await res.json()).error.code).toBe("conflict");
    expect(await countRows(env.DB, "users")).toBe(before);
  });

  it("gives two users distinct salts for the same password", async () => {
    const a = await registerUser();
    const b = await registerUser();
    const rows = await env.DB.prepare("SELECT password_hash FROM users WHERE id IN (?, ?)")
      .bind(a.userId, b.userId)
      .all<{ password_hash: string }>();
    const salts = rows.results.map((r) => r.password_hash.split("$")[4]);
    expect(salts).toHaveLength(2);
    expect(salts[0]).not.toBe(salts[1]);
  });
});

describe("login", () => {
  it("signs in with the right password and starts a new session family", async () => {
    const u = await registerUser();
    const res = await post("login", { email: ` ${u.email.toUpperCase()} `, password: u.password });
    expect(res.status).toBe(200);
    const body = await sessionOf(res);
    expect(body.user.id).toBe(u.userId);
    const [a, b] = await Promise.all([tokenRow(u.refreshToken), tokenRow(body.refresh_token)]);
    expect(a?.family_id).toBeTruthy();
    expect(b?.family_id).not.toBe(a?.family_id);
    const me = await api("/api/v1/me", { token: body.access_token });
    expect(me.status).toBe(200);
  });

  it("answers the same 401 for a wrong password and an unknown email", async () => {
    const u = await registerUser();
    const wrong = await post("login", { email: u.email, password: "not the password" });
    const unknown = await post("login", { email: uniqueEmail("ghost"), password: u.password });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [w, n] = [await wrong.json(), await unknown.json()];
    expect(w).toEqual({ error: { code: "unauthorized", message: "invalid email or password" } });
    expect(n).toEqual(w);
  });

  it("rehashes a password stored with older parameters", async () => {
    const email = uniqueEmail("legacy");
    const id = crypto.randomUUID();
    const old = hashPassword(TEST_PASSWORD, { m: 4096, t: 1, p: 1 });
    await env.DB.prepare("INSERT INTO users (id, email, password_hash) VALUES (?, ?, ?)").bind(id, email, old).run();
    const res = await post("login", { email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).not.toBe(old);
    expect(parsePhc(row!.password_hash)?.params).toEqual(CURRENT_PARAMS);
    // The new hash still verifies.
    expect((await post("login", { email, password: TEST_PASSWORD })).status).toBe(200);
  });
});

describe("refresh", () => {
  it("rotates: the old token is marked rotated, the new one is in the same family and works", async () => {
    const u = await registerUser();
    const res = await withRefreshCookie("refresh", u.refreshToken);
    expect(res.status).toBe(200);
    const body = await sessionOf(res);
    expect(body.refresh_token).not.toBe(u.refreshToken);
    expect(body.user.id).toBe(u.userId);
    const [old, next] = await Promise.all([tokenRow(u.refreshToken), tokenRow(body.refresh_token)]);
    expect(old?.rotated_at).not.toBeNull();
    expect(next?.family_id).toBe(old?.family_id);
    expect(next?.rotated_at).toBeNull();
    expect((await withRefreshCookie("refresh", body.refresh_token)).status).toBe(200);
  });

  it("detects reuse: a rotated token is refused and the whole family dies", async () => {
    const u = await registerUser();
    const first = await sessionOf(await withRefreshCookie("refresh", u.refreshToken));
    const reuse = await withRefreshCookie("refresh", u.refreshToken);
    expect(reuse.status).toBe(401);
    expect(ApiErrorSchema.parse(await reuse.json()).error.code).toBe("unauthorized");
    // The legitimate successor is dead too.
    expect((await withRefreshCookie("refresh", first.refresh_token)).status).toBe(401);
    const rows = await env.DB.prepare("SELECT revoked_at FROM refresh_tokens WHERE family_id = ?")
      .bind((await tokenRow(first.refresh_token))!.family_id)
      .all<{ revoked_at: number | null }>();
    expect(rows.results.length).toBe(2);
    expect(rows.results.every((r) => r.revoked_at !== null)).toBe(true);
    // Other sessions of the same user are untouched.
    const again = await post("login", { email: u.email, password: u.password });
    expect(again.status).toBe(200);
  });

  it("lets only one of two concurrent refreshes with one token win", async () => {
    const u = await registerUser();
    const results = await Promise.all([
      withRefreshCookie("refresh", u.refreshToken),
      withRefreshCookie("refresh", u.refreshToken),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it("refuses unknown and expired tokens", async () => {
    expect((await withRefreshCookie("refresh", "A".repeat(43))).status).toBe(401);
    const u = await registerUser();
    const { token: expired } = await issueRefreshToken(
      db(env),
      u.userId,
      60,
      crypto.randomUUID(),
      Date.now() - 120_000,
    );
    expect((await withRefreshCookie("refresh", expired)).status).toBe(401);
  });
});

describe("logout", () => {
  it("revokes the session family of the token (204) and leaves other sessions alone", async () => {
    const u = await registerUser();
    const other = await sessionOf(await post("login", { email: u.email, password: u.password }));
    const res = await withRefreshCookie("logout", u.refreshToken);
    expect(res.status).toBe(204);
    expect((await tokenRow(u.refreshToken))?.revoked_at).not.toBeNull();
    expect((await withRefreshCookie("refresh", u.refreshToken)).status).toBe(401);
    expect((await withRefreshCookie("refresh", other.refresh_token)).status).toBe(200);
  });

  it("answers 204 for an unknown token too", async () => {
    expect((await withRefreshCookie("logout", "B".repeat(43))).status).toBe(204);
  });
});

describe("GET /api/v1/me and access tokens", () => {
  const otherSecret = "another-secret-another-secret-0123456789";

  async function expect401(token: string | undefined, message?: string) {
    const res = await api("/api/v1/me", token === undefined ? {} : { token });
    expect(res.status).toBe(401);
    const body = ApiErrorSchema.parse(await res.json());
    expect(body.error.code).toBe("unauthorized");
    if (message) expect(body.error.message).toBe(message);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  }

  it("returns the user of a valid token", async () => {
    const u = await registerUser();
    const res = await api("/api/v1/me", { token: u.accessToken });
    expect(res.status).toBe(200);
    expect(UserSchema.parse(await res.json())).toMatchObject({ id: u.userId, email: u.email, role: "user" });
  });

  it("401 once the account is gone, and its refresh tokens go with it", async () => {
    const u = await registerUser();
    await env.DB.prepare("DELETE FROM users WHERE id = ?").bind(u.userId).run();
    await expect401(u.accessToken, "user no longer exists");
    expect((await withRefreshCookie("refresh", u.refreshToken)).status).toBe(401);
  });

  it("401 without a token", async () => {
    await expect401(undefined, "missing bearer token");
  });

  it("401 for an expired token", async () => {
    const u = await registerUser();
    const token = await signAccessToken(
      env.JWT_SECRET,
      { sub: u.userId, role: "user", sid: crypto.randomUUID(), ver: 0 },
      60,
      Math.floor(Date.now() / 1000) - 3600,
    );
    await expect401(token, "access token expired");
  });

  it("401 for a token signed with another secret", async () => {
    const u = await registerUser();
    await expect401(
      await signAccessToken(otherSecret, { sub: u.userId, role: "user", sid: crypto.randomUUID(), ver: 0 }, 900),
      "invalid access token",
    );
  });

  it("401 for an alg:none token", async () => {
    const u = await registerUser();
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: u.userId, role: "admin", iss: "edgetrader", aud: "edgetrader-api", iat: now, exp: now + 900 })}.`;
    await expect401(token, "invalid access token");
  });

  it("401 for a token for another audience (right secret)", async () => {
    const u = await registerUser();
    const token = await new SignJWT({ role: "user" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(u.userId)
      .setIssuer("edgetrader")
      .setAudience("someone-else")
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    await expect401(token, "invalid access token");
  });

  it("401 for a tampered payload", async () => {
    const u = await registerUser();
    const [h, , s] = u.accessToken.split(".");
    const now = Math.floor(Date.now() / 1000);
    await expect401(
      `${h}.${b64url({ sub: crypto.randomUUID(), role: "admin", iss: "edgetrader", aud: "edgetrader-api", iat: now, exp: now + 900 })}.${s}`,
    );
  });
});
