import type { MiddlewareHandler } from "hono";
import { CSRF_HEADER, CSRF_HEADER_VALUE } from "../../core/protocol/auth";
import type { AppEnv } from "../app-env";
import { isAllowedOrigin } from "./cors";
import { errorJson } from "./errors";

/**
 * CSRF guard for the cookie-authenticated routes (refresh, logout). SameSite=Strict already keeps
 * the cookie off cross-site requests; on top of that the request must carry the custom header
 * (a form or no-cors fetch from another origin cannot, and CORS only lets listed origins send it)
 * and, when the browser says where it comes from, come from this origin or a listed one.
 */
export const requireSameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const site = c.req.header("Sec-Fetch-Site");
  const origin = c.req.header("Origin");
  const ownOrigin = new URL(c.req.url).origin;
  const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
  const foreignOrigin = origin !== undefined && origin !== ownOrigin && !isAllowedOrigin(c.env.ALLOWED_ORIGINS, origin);
  if (c.req.header(CSRF_HEADER) !== CSRF_HEADER_VALUE || crossSite || foreignOrigin) {
    return errorJson(c, 403, "forbidden", "cross-site request refused");
  }
  await next();
};
