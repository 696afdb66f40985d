// Sessions (issue 19, issue 15): the refresh cookie, CSRF on its routes, revocation of access
// tokens on logout / password change / sign out everywhere, tokens of users that no longer exist,
// per-account login throttling, and a refresh limit of its own.

import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { signAccessToken } from "../../worker/auth/jwt";
import worker from "../../worker/index";
import {
  api,
  authedFetch,
  randomIp,
  refreshCookieOf,
  registerUser,
  sessionOf,
  TEST_PASSWORD,
  uniqueEmail,
  withRefreshCookie,
} from "./helpers";
import { openSocket } from "./socket-reader";

const NEW_PASSWORD = "violet anchor tunnel moss";

async function expectCode(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(ApiErrorSchema.parse(await res.json()).error.code).toBe(code);
}

describe("refresh cookie", () => {
  it("register, login and refresh set an HttpOnly SameSite=Strict cookie scoped to the auth routes, keep the token out of the body, and are not cached", async () => {
    const email = uniqueEmail();
    const reg = await api("/api/v1/auth/register", { method: "POST", json: { email, password: TEST_PASSWORD } });
    const login = await api("/api/v1/auth/login", { method: "POST", json: { email, password: TEST_PASSWORD } });
    const refreshed = await withRefreshCookie("refresh", refreshCookieOf(login));
    for (const res of [reg, login, refreshed]) {
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      const cookie = res.headers.getSetCookie().find((l) => l.startsWith("et_refresh="))!;
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).toMatch(/; Path=\/api\/v1\/auth(;|$)/);
      expect(cookie).toMatch(/; Max-Age=2592000/);
      // Plain http on a loopback host (npm start): no Secure flag, or the browser would drop it.
      expect(cookie).not.toMatch(/; Secure/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).not.toHaveProperty("refresh_token");
      expect(JSON.stringify(body)).not.toContain(refreshCookieOf(res)!);
    }
  });

  it("is Secure on any host other than a loopback one", async () => {
    const res = await exports.default.fetch("https://edgetrader.example.com/api/v1/auth/register", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
      body: JSON.stringify({ email: uniqueEmail(), password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie().find((l) => l.startsWith("et_refresh="))).toMatch(/; Secure/);
  });

  it("refresh and logout refuse cross-site requests (no CSRF header, a foreign Origin, Sec-Fetch-Site: cross-site) and change nothing", async () => {
    const u = await registerUser();
    const cookie = { Cookie: `et_refresh=${u.refreshToken}` };
    await expectCode(await api("/api/v1/auth/refresh", { method: "POST", headers: cookie }), 403, "forbidden");
    await expectCode(
      await withRefreshCookie("refresh", u.refreshToken, { headers: { Origin: "https://evil.example" } }),
      403,
      "forbidden",
    );
    await expectCode(
      await withRefreshCookie("refresh", u.refreshToken, { headers: { "Sec-Fetch-Site": "cross-site" } }),
      403,
      "forbidden",
    );
    await expectCode(await api("/api/v1/auth/logout", { method: "POST", headers: cookie }), 403, "forbidden");
    // Nothing rotated or revoked: the cookie still works once, from the page's own origin.
    const ok = await withRefreshCookie("refresh", u.refreshToken, {
      headers: { Origin: "http://127.0.0.1:8787", "Sec-Fetch-Site": "same-origin" },
    });
    expect(ok.status).toBe(200);
  });

  it("a refresh without the cookie is a 401", async () => {
    await expectCode(await withRefreshCookie("refresh", undefined), 401, "unauthorized");
  });
});

describe("access tokens end with their session", () => {
  it("logout refuses the session's access token at once; another session of the user keeps working", async () => {
    const u = await registerUser();
    const other = await sessionOf(
      await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }),
    );
    expect((await authedFetch(u.accessToken, "/api/v1/ml/models")).status).toBe(200);
    expect((await withRefreshCookie("logout", u.refreshToken)).status).toBe(204);
    const after = await authedFetch(u.accessToken, "/api/v1/ml/models");
    expect(after.status).toBe(401);
    expect(ApiErrorSchema.parse(await after.json()).error.message).toBe("access token revoked");
    expect((await authedFetch(other.access_token, "/api/v1/ml/models")).status).toBe(200);
  });

  it("a password change refuses every earlier access token and refresh cookie, and starts a new session", async () => {
    const u = await registerUser();
    const other = await sessionOf(
      await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }),
    );
    const res = await authedFetch(u.accessToken, "/api/v1/auth/password", {
      method: "POST",
      json: { current_password: u.password, new_password: NEW_PASSWORD },
    });
    const next = await sessionOf(res);
    for (const token of [u.accessToken, other.access_token])
      expect((await authedFetch(token, "/api/v1/me")).status).toBe(401);
    for (const cookie of [u.refreshToken, other.refresh_token])
      expect((await withRefreshCookie("refresh", cookie)).status).toBe(401);
    expect((await authedFetch(next.access_token, "/api/v1/me")).status).toBe(200);
    expect((await withRefreshCookie("refresh", next.refresh_token)).status).toBe(200);
    await expectCode(
      await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }),
      401,
      "unauthorized",
    );
    expect(
      (await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: NEW_PASSWORD } })).status,
    ).toBe(200);
  });

  it("a password change wants the current password and a strong new one; refused, it changes nothing", async () => {
    const u = await registerUser();
    await expectCode(
      await authedFetch(u.accessToken, "/api/v1/auth/password", {
        method: "POST",
        json: { current_password: "not it at all", new_password: NEW_PASSWORD },
      }),
      403,
      "forbidden",
    );
    const weak = await authedFetch(u.accessToken, "/api/v1/auth/password", {
      method: "POST",
      json: { current_password: u.password, new_password: "password12" },
    });
    expect(weak.status).toBe(400);
    expect(ApiErrorSchema.parse(await weak.json()).error.details).toMatchObject([
      { path: "new_password", code: "weak_password" },
    ]);
    expect((await authedFetch(u.accessToken, "/api/v1/me")).status).toBe(200);
    expect((await withRefreshCookie("refresh", u.refreshToken)).status).toBe(200);
  });

  it("sign out everywhere ends every session and access token of the user, and only theirs", async () => {
    const u = await registerUser();
    const bystander = await registerUser();
    const other = await sessionOf(
      await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }),
    );
    expect((await authedFetch(u.accessToken, "/api/v1/auth/logout-all", { method: "POST" })).status).toBe(204);
    for (const token of [u.accessToken, other.access_token])
      expect((await authedFetch(token, "/api/v1/ml/models")).status).toBe(401);
    for (const cookie of [u.refreshToken, other.refresh_token])
      expect((await withRefreshCookie("refresh", cookie)).status).toBe(401);
    expect((await authedFetch(bystander.accessToken, "/api/v1/ml/models")).status).toBe(200);
  });
});

describe("live sockets end with their session", () => {
  const closed = (ws: WebSocket) =>
    new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));

  it("logout closes that session's sockets (4401) and no other; sign out everywhere closes the rest", async () => {
    const u = await registerUser();
    const other = await sessionOf(
      await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }),
    );
    const mine = await openSocket(u.accessToken);
    const theirs = await openSocket(other.access_token);
    await mine.next(); // welcome
    await theirs.next();
    const mineClosed = closed(mine.ws);
    expect((await withRefreshCookie("logout", u.refreshToken)).status).toBe(204);
    expect(await mineClosed).toBe(4401);
    theirs.ws.send(JSON.stringify({ type: "ping", id: "still-here" }));
    expect((await theirs.until((f) => f.type === "pong")).at(-1)).toMatchObject({ id: "still-here" });
    const theirsClosed = closed(theirs.ws);
    expect((await authedFetch(other.access_token, "/api/v1/auth/logout-all", { method: "POST" })).status).toBe(204);
    expect(await theirsClosed).toBe(4401);
  });
});

describe("a validly signed token whose subject does not exist", () => {
  it("is refused on every authenticated route of the OpenAPI document and on /ws", async () => {
    const ghost = await signAccessToken(
      env.JWT_SECRET,
      { sub: crypto.randomUUID(), role: "admin", sid: crypto.randomUUID(), ver: 0 },
      900,
    );
    const doc = (await (await api("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.security?.length) continue;
        const url = path.replace(/\{[^}]+\}/g, "x");
        const res = await authedFetch(ghost, url, {
          method: method.toUpperCase(),
          ...(method === "get" || method === "delete" ? {} : { json: {} }),
        });
        expect([res.status, `${method} ${path}`]).toEqual([401, `${method} ${path}`]);
        expect(ApiErrorSchema.parse(await res.json()).error.message).toBe("user no longer exists");
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    const ws = await exports.default.fetch("http://127.0.0.1:8787/ws", {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `edgetrader.v1, bearer.${ghost}` },
    });
    expect(ws.status).toBe(401);
  });
});

describe("per-account login throttling", () => {
  it("after 5 failures from 5 addresses the account is locked for everyone for 30 s (429, Retry-After), the same for an unknown email", async () => {
    const u = await registerUser();
    const ghost = uniqueEmail("ghost");
    for (const email of [u.email, ghost]) {
      for (let i = 0; i < 5; i++) {
        await expectCode(
          await api("/api/v1/auth/login", { method: "POST", json: { email, password: `wrong guess ${i}` } }),
          401,
          "unauthorized",
        );
      }
      const locked = await api("/api/v1/auth/login", {
        method: "POST",
        json: { email, password: email === u.email ? u.password : "anything" },
      });
      expect(locked.status).toBe(429);
      const retry = Number(locked.headers.get("Retry-After"));
      expect(retry).toBeGreaterThan(25);
      expect(retry).toBeLessThanOrEqual(30);
      expect(ApiErrorSchema.parse(await locked.json()).error.code).toBe("rate_limited");
    }
    // Once the lock has passed the right password works and the count starts over.
    await env.DB.prepare("UPDATE login_throttle SET locked_until = 0").run();
    expect(
      (await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } })).status,
    ).toBe(200);
    expect(
      (await api("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: "wrong again" } })).status,
    ).toBe(401);
  });
});

describe("login throttle rows are forgotten", () => {
  it("the cron deletes rows no login reads any more (unlocked, last failure over an hour old) and keeps the rest", async () => {
    await env.DB.prepare("DELETE FROM login_throttle").run();
    const now = Date.now();
    const hour = 60 * 60_000;
    const put = (key: string, lastFailureAt: number, lockedUntil: number) =>
      env.DB.prepare("INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (?, 3, ?, ?)")
        .bind(key, lastFailureAt, lockedUntil)
        .run();
    await put("old-unlocked", now - hour - 1, 0);
    await put("old-lock-ended", now - 2 * hour, now - hour);
    await put("old-but-locked", now - hour - 1, now + 60_000);
    await put("recent", now - 60_000, 0);
    // A guessed unknown email leaves a row like any account's.
    const ghost = uniqueEmail("pruned");
    await api("/api/v1/auth/login", { method: "POST", json: { email: ghost, password: "not the one at all" } });
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM login_throttle").first<{ n: number }>())?.n).toBe(5);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = (await env.DB.prepare("SELECT key FROM login_throttle ORDER BY key").all<{ key: string }>()).results;
    expect(left.map((r) => r.key).filter((k) => !k.match(/^[0-9a-f]{64}$/))).toEqual(["old-but-locked", "recent"]);
    expect(left).toHaveLength(3); // and the ghost's fresh row
  });
});

describe("refresh has a limit of its own (issue 15: reloads never lock a user out)", () => {
  it("40 refreshes in a row from one address all pass, and login from that address still works after them", async () => {
    const u = await registerUser();
    const ip = randomIp();
    let cookie = u.refreshToken;
    for (let i = 0; i < 40; i++) {
      const res = await withRefreshCookie("refresh", cookie, { ip });
      expect(res.status).toBe(200);
      cookie = (await sessionOf(res)).refresh_token;
    }
    expect(
      (await api("/api/v1/auth/login", { method: "POST", ip, json: { email: u.email, password: u.password } })).status,
    ).toBe(200);
  });
});

describe("weak passwords (NIST SP 800-63B)", () => {
  it.each(["aaaaaaaaaa", "password12", "1234567890", "          "])(
    "register refuses %j with the reason, and stores nothing",
    async (password) => {
      const email = uniqueEmail();
      const res = await api("/api/v1/auth/register", { method: "POST", json: { email, password } });
      expect(res.status).toBe(400);
      const body = ApiErrorSchema.parse(await res.json());
      expect(body.error.code).toBe("validation_error");
      expect(body.error.details).toMatchObject([{ path: "password", code: "weak_password" }]);
      const row = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first();
      expect(row).toBeNull();
    },
  );
});
