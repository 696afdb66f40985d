import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HealthSchema, LivenessSchema } from "../../core/protocol/health";
import { authedFetch, registerUser } from "./helpers";

describe("GET /api/v1/health (public liveness)", () => {
  it("answers without touching storage, cacheable, with no deep detail for the public", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/health");
    expect(res.status).toBe(200);
    const body = LivenessSchema.strict().parse(await res.json());
    expect(body.status).toBe("ok");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=10");
    expect(res.headers.get("X-Request-Id")).toMatch(/.{8,}/);
  });

  it("answers unknown API paths with the error JSON", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});

describe("GET /api/v1/health/checks (deep, signed in)", () => {
  it("refuses the public", async () => {
    expect((await exports.default.fetch("http://example.com/api/v1/health/checks")).status).toBe(401);
  });

  it("reports every named check ok, and calls within 5 s share one run", async () => {
    const u = await registerUser();
    const res = await authedFetch(u.accessToken, "/api/v1/health/checks");
    expect(res.status).toBe(200);
    const body = HealthSchema.parse(await res.json());
    expect(body.status).toBe("ok");
    expect(body.checks.map((c) => c.name).sort()).toEqual(["d1", "durable_object", "migrations", "model_store"]);
    expect(body.checks.every((c) => c.ok)).toBe(true);
    const again = HealthSchema.parse(await (await authedFetch(u.accessToken, "/api/v1/health/checks")).json());
    expect(again.time).toBe(body.time);
  });
});
