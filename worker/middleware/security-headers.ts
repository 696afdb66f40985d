import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
// One list for both kinds of response: scripts/build-web.mjs writes the same headers into the
// dashboard's `_headers` file, because static assets are served before this Worker runs.
import SECURITY_HEADERS from "./security-headers.json";

export { SECURITY_HEADERS };

const ENTRIES = Object.entries(SECURITY_HEADERS);

/**
 * Security headers on every Worker response (API, socket errors, docs). A route that sets its own
 * header keeps it (the API reference page needs a looser CSP for Swagger UI's styles). The CSP
 * allows the page's own origin only: `connect-src 'self'` covers the API and the /ws socket.
 */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status === 101) return; // a WebSocket upgrade: headers belong to the handshake
  for (const [name, value] of ENTRIES) {
    if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  }
};
