import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { limitBody } from "./middleware/body-limit";
import { corsFromAllowlist } from "./middleware/cors";
import { onError, onNotFound, validationHook } from "./middleware/errors";
import { requestContext } from "./middleware/request-context";
import { securityHeaders } from "./middleware/security-headers";
import { activityStreamRoutes } from "./routes/activity-stream";
import { authRoutes } from "./routes/auth";
import { autoTradingRoutes } from "./routes/auto-trading";
import { backtestRoutes } from "./routes/backtest";
import { connectorSocketRoutes } from "./routes/connector-socket";
import { connectorRoutes } from "./routes/connectors";
import { healthRoutes } from "./routes/health";
import { marketRoutes } from "./routes/market";
import { marketSourceRoutes } from "./routes/market-sources";
import { meRoutes } from "./routes/me";
import { httpMetrics, metricsRoutes } from "./routes/metrics";
import { modelArtifactRoutes } from "./routes/model-artifacts";
import { modelRoutes } from "./routes/models";
import { mountOpenApi } from "./routes/openapi";
import { portfolioRoutes } from "./routes/portfolio";
import { positionCommandRoutes } from "./routes/position-commands";
import { predictRoutes } from "./routes/predict";
import { shippedModelRoutes } from "./routes/shipped-models";
import { socketRoutes } from "./routes/socket";
import { tradingRoutes } from "./routes/trading";
import { trainRoutes } from "./routes/train";

/**
 * Middleware order: request id + logger, security headers, CORS, body cap; then routes. Auth is
 * per route (worker/auth/guards.ts `authed`), so public and private routes share one API app.
 */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestContext);
  app.use("*", httpMetrics);
  app.use("*", securityHeaders);
  app.use("/api/*", corsFromAllowlist);
  app.onError(onError);
  app.notFound(onNotFound);

  const api = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Routes mount below. Each group is one file in worker/routes/.
  api.route("/", healthRoutes);
  api.route("/", metricsRoutes);
  api.route("/", authRoutes);
  api.route("/", meRoutes);
  api.route("/", connectorRoutes);
  api.route("/", connectorSocketRoutes);
  api.route("/", positionCommandRoutes);
  api.route("/", modelRoutes);
  api.route("/", modelArtifactRoutes);
  api.route("/", shippedModelRoutes);
  api.route("/", trainRoutes);
  api.route("/", marketRoutes);
  api.route("/", marketSourceRoutes);
  api.route("/", portfolioRoutes);
  api.route("/", activityStreamRoutes);
  api.route("/", tradingRoutes);
  api.route("/", autoTradingRoutes);
  api.route("/", predictRoutes);
  api.route("/", backtestRoutes);

  app.use("/api/*", limitBody());
  app.route("/api/v1", api);
  app.route("/", socketRoutes);
  mountOpenApi(app);
  return app;
}
