import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { HealthSchema, type Health, type HealthCheck } from "../../core/protocol/health";
import type { AppEnv } from "../app-env";
import type { Env } from "../../platform/env";
import { userObject } from "../../platform/object-address";
import journal from "../../migrations/meta/_journal.json";

/** Migration names wrangler records in d1_migrations, from drizzle-kit's journal. */
const EXPECTED_MIGRATIONS = journal.entries.map((e) => `${e.tag}.sql`);
const PROBE_OBJECT = "__health__";

async function timed(name: string, fn: () => Promise<string | undefined>): Promise<HealthCheck> {
  const started = Date.now();
  try {
    const detail = await fn();
    return { name, ok: true, ms: Date.now() - started, ...(detail ? { detail } : {}) };
  } catch (err) {
    return { name, ok: false, ms: Date.now() - started, detail: err instanceof Error ? err.message : String(err) };
  }
}

export async function runHealthChecks(env: Env): Promise<Health> {
  const checks = await Promise.all([
    timed("d1", async () => {
      await env.DB.prepare("SELECT 1").first();
      return undefined;
    }),
    timed("migrations", async () => {
      const rows = await env.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
      const applied = new Set(rows.results.map((r) => r.name));
      const missing = EXPECTED_MIGRATIONS.filter((m) => !applied.has(m));
      if (missing.length) throw new Error(`pending migrations: ${missing.join(", ")}`);
      return `${applied.size} applied`;
    }),
    timed("durable_object", async () => {
      // A dedicated probe object: health never wakes or touches a user's object.
      await userObject(env, PROBE_OBJECT).ping();
      return undefined;
    }),
    timed("model_store", async () => {
      await env.MODELS.list({ limit: 1 });
      return undefined;
    }),
  ]);
  return { status: checks.every((c) => c.ok) ? "ok" : "degraded", time: new Date().toISOString(), checks };
}

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Service health with named checks",
  responses: {
    200: { description: "All checks pass", content: { "application/json": { schema: HealthSchema } } },
    503: { description: "At least one check failed", content: { "application/json": { schema: HealthSchema } } },
  },
});

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const health = await runHealthChecks(c.env);
  return c.json(health, health.status === "ok" ? 200 : 503);
});
