import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import {
  EXPOSITION_CONTENT_TYPE,
  flushMetrics,
  maybeFlushMetrics,
  metricsObject,
  recordHttp,
} from "../../platform/metrics";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { requireAdmin } from "../auth/require-auth";
import { errorResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

/** The registered path of the handler that answered (`/api/v1/ml/models/:id`), never the raw URL: bounded label values. */
function routeLabel(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return handlers.at(-1)?.path ?? "unmatched";
}

/** Counts every request by route and status; ships batches to the METRICS object in the background. */
export const httpMetrics: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  recordHttp(routeLabel(c), c.req.method, c.res.status, Date.now() - started);
  // Outside workerd's request context (e.g. a unit call of app.fetch) there is no executionCtx: keep the deltas.
  let ctx: ExecutionContext | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  if (ctx) maybeFlushMetrics(c.env, (p) => ctx.waitUntil(p));
};

const scrape = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["ops"],
  summary: "Prometheus metrics (admin only): requests, cycles, skips, trades, errors, latencies, connectors",
  middleware: [...authed, requireAdmin],
  security: bearerSecurity,
  responses: {
    200: { description: "Prometheus text exposition format 0.0.4", content: { "text/plain": { schema: z.string() } } },
    401: errorResponse("Missing, expired or invalid access token"),
    403: errorResponse("Not an admin"),
    429: errorResponse("Too many requests"),
  },
});

export const metricsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(scrape, async (c) => {
  // This isolate's pending deltas first, so a scrape sees at least everything this isolate counted.
  await flushMetrics(c.env).catch((err: unknown) => c.var.log.warn("metrics flush failed", { error: String(err) }));
  const text = await metricsObject(c.env).exposition();
  return c.text(text, 200, { "Content-Type": EXPOSITION_CONTENT_TYPE, "Cache-Control": "no-store" });
});
