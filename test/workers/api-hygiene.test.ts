import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CreatedConnectorTokenSchema } from "../../core/protocol/connector-tokens";
import { ApiErrorSchema } from "../../core/protocol/errors";
import {
  api,
  authedFetch,
  countRows,
  randomIp,
  registerUser,
  sessionOf,
  uniqueEmail,
  withRefreshCookie,
} from "./helpers";

const ALLOWED_ORIGIN = "http://127.0.0.1:8787";

describe("bad bodies", () => {
  const cases: [string, RequestInit & { json?: unknown }][] = [
    ["bad email", { json: { email: "not-an-email", password: "long enough password" } }],
    ["short password", { json: { email: uniqueEmail(), password: "short" } }],
    ["too long password", { json: { email: uniqueEmail(), password: "x".repeat(257) } }],
    ["extra keys", { json: { email: uniqueEmail(), password: "long enough password", role: "admin" } }],
    ["wrong types", { json: { email: 42, password: ["a"] } }],
    ["a JSON array", { json: [] }],
    ["malformed JSON", { body: '{"email":', headers: { "Content-Type": "application/json" } }],
  ];

  it.each(cases)("register with %s -> 400 with the error JSON, nothing stored", async (_name, init) => {
    const before = await countRows(env.DB, "users");
    const res = await api("/api/v1/auth/register", { method: "POST", ...init });
    expect(res.status).toBe(400);
    const body = ApiErrorSchema.parse(await res.json());
    expect(["validation_error", "bad_request"]).toContain(body.error.code);
    expect(await countRows(env.DB, "users")).toBe(before);
  });

  // Hono's JSON validator answers a body that is not declared as JSON with 415, in the same error shape.
  it.each([
    [
      "a form body",
      {
        body: "email=a@b.co&password=long+enough+password",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      },
    ],
    ["no content type", { body: JSON.stringify({ email: uniqueEmail(), password: "long enough password" }) }],
  ] as [string, RequestInit][])("register with %s -> 415 with the error JSON, nothing stored", async (_name, init) => {
    const before = await countRows(env.DB, "users");
    const res = await api("/api/v1/auth/register", { method: "POST", ...init });
    expect(res.status).toBe(415);
    ApiErrorSchema.parse(await res.json());
    expect(await countRows(env.DB, "users")).toBe(before);
  });

  it("lists each zod issue in details", async () => {
    const res = await api("/api/v1/auth/register", {
      method: "POST",
      json: { email: "nope", password: "short", junk: true },
    });
    const body = ApiErrorSchema.parse(await res.json());
    expect(body.error.code).toBe("validation_error");
    const paths = (body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(["", "email", "password"]);
    // Issue 19: JSON that parses but fails the schema is a validation failure, not "invalid json".
    expect(body.error.message).toBe("validation failed: the body does not match the schema");
    const malformed = ApiErrorSchema.parse(
      await (
        await api("/api/v1/auth/register", {
          method: "POST",
          body: '{"email":',
          headers: { "Content-Type": "application/json" },
        })
      ).json(),
    );
    expect(malformed.error).toMatchObject({ code: "bad_request", message: "Malformed JSON in request body" });
  });

  it("413 on a body over MAX_BODY_BYTES, nothing stored", async () => {
    const before = await countRows(env.DB, "users");
    const res = await api("/api/v1/auth/register", {
      method: "POST",
      json: { email: uniqueEmail(), password: "long enough password", pad: "x".repeat(Number(env.MAX_BODY_BYTES)) },
    });
    expect(res.status).toBe(413);
    expect(ApiErrorSchema.parse(await res.json()).error.code).toBe("payload_too_large");
    expect(await countRows(env.DB, "users")).toBe(before);
  });
});

describe("names (issue 19)", () => {
  it("a lone surrogate or invalid UTF-8 in a name is a 400 and stores nothing; a decomposed name is stored NFC", async () => {
    const u = await registerUser();
    const before = await countRows(env.DB, "connector_tokens");
    const lone = await authedFetch(u.accessToken, "/api/v1/connectors", {
      method: "POST",
      body: '{"name":"host \\ud800 x"}',
      headers: { "Content-Type": "application/json" },
    });
    expect(lone.status).toBe(400);
    const invalidUtf8 = new Uint8Array([
      ...new TextEncoder().encode('{"name":"host '),
      0xff,
      0xfe,
      ...new TextEncoder().encode('"}'),
    ]);
    const replaced = await authedFetch(u.accessToken, "/api/v1/connectors", {
      method: "POST",
      body: invalidUtf8,
      headers: { "Content-Type": "application/json" },
    });
    expect(replaced.status).toBe(400);
    expect(ApiErrorSchema.parse(await replaced.json()).error.details).toEqual([
      expect.objectContaining({ path: "name", message: "name: contains U+FFFD (invalid UTF-8 was sent)" }),
    ]);
    expect(await countRows(env.DB, "connector_tokens")).toBe(before);
    const ok = await authedFetch(u.accessToken, "/api/v1/connectors", {
      method: "POST",
      json: { name: "Cafe\u0301 VPS" },
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { name: string }).name).toBe("Caf\u00e9 VPS");
  });
});

describe("rate limiting", () => {
  it("answers 429 with Retry-After under a login burst from one IP; other IPs are unaffected", async () => {
    const ip = randomIp();
    const answered: number[] = [];
    let limited: Response | undefined;
    // The binding allows 10 a minute in fixed windows; a burst that straddles a window edge gets up
    // to 20 through, so the loop goes on until the limiter steps in rather than counting exactly.
    for (let i = 0; i < 21 && !limited; i++) {
      const res = await api("/api/v1/auth/login", {
        method: "POST",
        ip,
        json: { email: uniqueEmail("burst"), password: "some password 1" },
      });
      if (res.status === 429) limited = res;
      else {
        answered.push(res.status);
        await res.body?.cancel();
      }
    }
    expect(limited).toBeDefined();
    expect(answered.length).toBeGreaterThanOrEqual(10);
    expect(answered.every((s) => s === 401)).toBe(true);
    expect(limited!.headers.get("Retry-After")).toBe("60");
    expect(ApiErrorSchema.parse(await limited!.json()).error.code).toBe("rate_limited");

    const elsewhere = await api("/api/v1/auth/login", {
      method: "POST",
      ip: randomIp(),
      json: { email: uniqueEmail("calm"), password: "some password 1" },
    });
    expect(elsewhere.status).toBe(401);
  }, 180_000); // up to 22 argon2id hashes: slow on a busy machine
});

describe("CORS", () => {
  it("echoes an allowed origin with credentials", async () => {
    const res = await api("/api/v1/health", { headers: { Origin: ALLOWED_ORIGIN } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED_ORIGIN);
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(res.headers.get("Vary")).toMatch(/Origin/i);
  });

  it("gives a disallowed origin no CORS headers", async () => {
    const res = await api("/api/v1/health", { headers: { Origin: "https://evil.example" } });
    // Without Access-Control-Allow-Origin the browser withholds the answer from the page.
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(res.headers.get("Vary")).toMatch(/Origin/i);
  });

  it("answers a preflight for an allowed origin and refuses one for another", async () => {
    const preflight = (origin: string) =>
      api("/api/v1/auth/login", {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type,authorization",
        },
      });
    const ok = await preflight(ALLOWED_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED_ORIGIN);
    expect(ok.headers.get("Access-Control-Allow-Methods")).toMatch(/POST/);
    expect(ok.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toMatch(/authorization/);
    const denied = await preflight("https://evil.example");
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("headers", () => {
  it("sets secure headers on API answers", async () => {
    const res = await api("/api/v1/auth/login", { method: "POST", json: { email: uniqueEmail(), password: "x" } });
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Content-Security-Policy")).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get("Strict-Transport-Security")).toMatch(/max-age=\d+/);
    expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
    await res.body?.cancel();
  });

  it("echoes a well-formed X-Request-Id and replaces a malformed one", async () => {
    const id = `req-${crypto.randomUUID()}`;
    const echoed = await api("/api/v1/me", { headers: { "X-Request-Id": id } });
    expect(echoed.headers.get("X-Request-Id")).toBe(id);
    const bad = await api("/api/v1/me", { headers: { "X-Request-Id": "bad id with spaces\u0001" } });
    expect(bad.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never contain passwords or tokens", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "info").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);

    const email = uniqueEmail("logs");
    const password = `pw-${crypto.randomUUID()}`;
    const u = await registerUser(email, password);
    const wrong = await api("/api/v1/auth/login", { method: "POST", json: { email, password: `${password}-wrong` } });
    expect(wrong.status).toBe(401);
    const login = await sessionOf(await api("/api/v1/auth/login", { method: "POST", json: { email, password } }));
    const refreshed = await sessionOf(await withRefreshCookie("refresh", login.refresh_token));
    const connector = CreatedConnectorTokenSchema.parse(
      await (
        await authedFetch(refreshed.access_token, "/api/v1/connectors", { method: "POST", json: { name: "log-check" } })
      ).json(),
    );
    expect((await withRefreshCookie("logout", refreshed.refresh_token)).status).toBe(204);

    const all = lines.join("\n");
    // The capture works: the request lines of these calls are in it.
    expect(all).toContain('"path":"/api/v1/auth/login"');
    expect(all).toContain('"path":"/api/v1/auth/register"');
    expect(all).toContain(u.userId);
    const secrets = [
      password,
      u.accessToken,
      u.refreshToken,
      login.access_token,
      login.refresh_token,
      refreshed.access_token,
      refreshed.refresh_token,
      connector.token,
      connector.token.slice(4),
    ];
    for (const s of secrets) expect(all).not.toContain(s);
    // The email is personal data; logs carry the user id instead.
    expect(all).not.toContain(email);
  });
});
