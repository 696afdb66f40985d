// Names both ends share for the refresh cookie (no zod here: the dashboard imports these values).
/**
 * The refresh token never reaches page script: it is an HttpOnly cookie scoped to the auth routes.
 * Cookie-authenticated routes (refresh, logout) also want the CSRF header, which a cross-site form
 * or a no-cors fetch cannot send, and which CORS lets only listed origins send.
 */
export const REFRESH_COOKIE = "et_refresh";
export const REFRESH_COOKIE_PATH = "/api/v1/auth";
export const CSRF_HEADER = "X-Requested-With";
export const CSRF_HEADER_VALUE = "edgetrader";
