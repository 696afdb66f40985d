import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { createLogger } from "../lib/log";

const ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Request id (client's if well-formed, else new), a request-scoped logger, and one access log line. */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("X-Request-Id");
  const requestId = incoming && ID.test(incoming) ? incoming : crypto.randomUUID();
  const url = new URL(c.req.url);
  // Path only: query strings may carry a socket token and are never logged.
  const log = createLogger(c.env.LOG_LEVEL, { requestId, method: c.req.method, path: url.pathname });
  c.set("requestId", requestId);
  c.set("log", log);
  const started = Date.now();
  await next();
  c.header("X-Request-Id", requestId);
  log.info("request", { status: c.res.status, ms: Date.now() - started, userId: c.get("userId") });
};
