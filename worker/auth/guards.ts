import { userRateLimit } from "../middleware/rate-limit";
import { requireAuth } from "./require-auth";

/**
 * Middleware for every authenticated route: pass as `middleware: authed` in createRoute (or
 * spread into a Hono route), so public and private routes can live side by side.
 */
export const authed = [requireAuth, userRateLimit] as const;

/** OpenAPI security requirement for routes guarded by `authed`. */
export const bearerSecurity = [{ bearerAuth: [] as string[] }];
