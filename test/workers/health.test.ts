import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HealthSchema } from "../../core/protocol/health";

describe("GET /api/v1/health", () => {
  it("reports every named check ok", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/health");
    expect(res.status).toBe(200);
    const body = HealthSchema.parse(await res.json());
    expect(body.status).toBe("ok");
    expect(body.checks.map((c) => c.name).sort()).toEqual(["d1", "durable_object", "migrations", "model_store"]);
    expect(body.checks.every((c) => c.ok)).toBe(true);
    expect(res.headers.get("X-Request-Id")).toMatch(/.{8,}/);
  });

  it("answers unknown API paths with the error JSON", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
