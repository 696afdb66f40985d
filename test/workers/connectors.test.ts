import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConnectorTokenListSchema, CreatedConnectorTokenSchema } from "../../core/protocol/connector-tokens";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { verifyConnectorToken } from "../../platform/auth/connector-tokens";
import { sha256Hex } from "../../platform/auth/opaque-token";
import { db } from "../../platform/db/client";
import { authedFetch, countRows, registerUser, type TestUser } from "./helpers";

async function create(u: TestUser, name = "trading-pc") {
  const res = await authedFetch(u.accessToken, "/api/v1/connectors", { method: "POST", json: { name } });
  expect(res.status).toBe(201);
  return CreatedConnectorTokenSchema.parse(await res.json());
}

describe("connector tokens", () => {
  it("creates a token shown once, stored only as its SHA-256, listed without the secret", async () => {
    const u = await registerUser();
    const created = await create(u, "  vps-london  ");
    expect(created.name).toBe("vps-london");
    expect(created.token).toMatch(/^etc_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.token.slice(4, 12));

    const row = await env.DB.prepare("SELECT * FROM connector_tokens WHERE id = ?")
      .bind(created.id)
      .first<Record<string, unknown>>();
    expect(row?.token_hash).toBe(await sha256Hex(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(4));

    const res = await authedFetch(u.accessToken, "/api/v1/connectors");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(created.token.slice(4));
    const list = ConnectorTokenListSchema.parse(JSON.parse(text));
    expect(list.connectors).toEqual([
      {
        id: created.id,
        name: "vps-london",
        prefix: created.prefix,
        created_at: created.created_at,
        last_used_at: null,
        revoked_at: null,
      },
    ]);
  });

  it("verifyConnectorToken accepts a live token, records use, and refuses it once revoked", async () => {
    const u = await registerUser();
    const created = await create(u);
    expect(await verifyConnectorToken(db(env), created.token)).toEqual({ userId: u.userId, tokenId: created.id });
    const used = await env.DB.prepare("SELECT last_used_at FROM connector_tokens WHERE id = ?")
      .bind(created.id)
      .first<{ last_used_at: number | null }>();
    expect(used?.last_used_at).toBeTypeOf("number");

    const del = await authedFetch(u.accessToken, `/api/v1/connectors/${created.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await verifyConnectorToken(db(env), created.token)).toBeNull();
    const list = ConnectorTokenListSchema.parse(await (await authedFetch(u.accessToken, "/api/v1/connectors")).json());
    expect(list.connectors[0]?.revoked_at).not.toBeNull();
    // Revoking again is harmless.
    expect((await authedFetch(u.accessToken, `/api/v1/connectors/${created.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
  });

  it("refuses malformed and unknown tokens", async () => {
    expect(await verifyConnectorToken(db(env), "etc_short")).toBeNull();
    expect(await verifyConnectorToken(db(env), "xyz_" + "A".repeat(43))).toBeNull();
    expect(await verifyConnectorToken(db(env), "etc_" + "A".repeat(43))).toBeNull();
  });

  it("answers 404 for another user's token id and for an unknown id, and changes nothing", async () => {
    const alice = await registerUser();
    const mallory = await registerUser();
    const token = await create(alice);
    for (const id of [token.id, crypto.randomUUID()]) {
      const res = await authedFetch(mallory.accessToken, `/api/v1/connectors/${id}`, { method: "DELETE" });
      expect(res.status).toBe(404);
      expect(ApiErrorSchema.parse(await res.json()).error.code).toBe("not_found");
    }
    expect(await verifyConnectorToken(db(env), token.token)).toEqual({ userId: alice.userId, tokenId: token.id });
    // Mallory's list does not show Alice's token.
    const list = ConnectorTokenListSchema.parse(
      await (await authedFetch(mallory.accessToken, "/api/v1/connectors")).json(),
    );
    expect(list.connectors).toEqual([]);
  });

  it("rejects bad names with the error JSON and stores nothing", async () => {
    const u = await registerUser();
    const before = await countRows(env.DB, "connector_tokens");
    for (const json of [
      {},
      { name: "" },
      { name: "   " },
      { name: "x".repeat(65) },
      { name: "ok", userId: "someone-else" },
    ]) {
      const res = await authedFetch(u.accessToken, "/api/v1/connectors", { method: "POST", json });
      expect(res.status).toBe(400);
      expect(ApiErrorSchema.parse(await res.json()).error.code).toBe("validation_error");
    }
    expect(await countRows(env.DB, "connector_tokens")).toBe(before);
  });

  it("requires an access token", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/connectors"],
      ["POST", "/api/v1/connectors"],
      ["DELETE", `/api/v1/connectors/${crypto.randomUUID()}`],
    ] as const) {
      const res = await authedFetch("not-a-jwt", path, { method, json: method === "POST" ? { name: "x" } : undefined });
      expect(res.status).toBe(401);
    }
  });
});
