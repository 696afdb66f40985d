import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type Health, type HealthCheck, HealthSchema, LivenessSchema } from "../../core/protocol/health";
import { errorMessage } from "../../core/util/error-message";
import journal from "../../migrations/meta/_journal.json";
import type { Env } from "../../platform/env";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { errorResponse } from "../lib/openapi-schemas";

/** Migration names wrangler records in d1_migrations, from drizzle-kit's journal. */
const EXPECTED_MIGRATIONS = journal.entries.map((e) => `${e.tag}.sql`);
const PROBE_OBJECT = "__health__";
/** Liveness answers may be cached this long by browsers and the edge. */
export const LIVENESS_MAX_AGE_SECONDS = 10;
/** Deep checks run at most once per this long per isolate, however many callers ask. */
export const DEEP_CHECKS_TTL_MS = 5_000;

async function timed(name: string, fn: () => Promise<string | undefined>): Promise<HealthCheck> {
  const started = Date.now();
  try {
    const detail = await fn();
    return { name, ok: true, ms: Date.now() - started, ...(detail ? { detail } : {}) };
  } catch (err) {
    return { name, ok: false, ms: Date.now() - started, detail: errorMessage(err) };
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

// One run shared by every caller in this isolate for DEEP_CHECKS_TTL_MS.
let cached: { at: number; result: Promise<Health> } | null = null;
function deepChecks(env: Env, now = Date.now()): Promise<Health> {
  if (!cached || now - cached.at >= DEEP_CHECKS_TTL_MS) cached = { at: now, result: runHealthChecks(env) };
  return cached.result;
}

const liveness = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Liveness: the Worker answers (no storage work; cacheable)",
  responses: { 200: { description: "Alive", content: { "application/json": { schema: LivenessSchema } } } },
});

const checksRoute = createRoute({
  method: "get",
  path: "/health/checks",
  tags: ["system"],
  summary: "Deep health: D1, migrations, Durable Objects, R2 (signed in; results shared for 5 s)",
  middleware: [...authed],
  security: bearerSecurity,
  responses: {
    200: { description: "All checks pass", content: { "application/json": { schema: HealthSchema } } },
    503: { description: "At least one check failed", content: { "application/json": { schema: HealthSchema } } },
    401: errorResponse("Missing, expired or invalid access token"),
    429: errorResponse("Too many requests"),
  },
});

export const healthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(liveness, (c) => {
    c.header("Cache-Control", `public, max-age=${LIVENESS_MAX_AGE_SECONDS}`);
    return c.json({ status: "ok" as const, time: new Date().toISOString() }, 200);
  })
  .openapi(checksRoute, async (c) => {
    const health = await deepChecks(c.env);
    c.header("Cache-Control", "private, no-store");
    return c.json(health, health.status === "ok" ? 200 : 503);
  });
