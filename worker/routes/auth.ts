import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { accountWords, judgePassword } from "../../core/accounts/password-strength";
import {
  type AuthSession,
  AuthSessionSchema,
  ChangePasswordRequestSchema,
  LoginRequestSchema,
  RegisterRequestSchema,
  type User,
} from "../../core/protocol/auth";
import { beginLoginAttempt, clearLoginFailures } from "../../platform/auth/login-throttle";
import { bumpTokenVersion } from "../../platform/auth/session-state";
import { type Db, db } from "../../platform/db/client";
import { users } from "../../platform/db/schema";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { signAccessToken } from "../auth/jwt";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "../auth/password";
import { clearRefreshCookie, refreshCookie, setRefreshCookie } from "../auth/refresh-cookie";
import {
  type IssuedRefreshToken,
  issueRefreshToken,
  revokeAllFamilies,
  revokeFamilyOf,
  rotateRefreshToken,
} from "../auth/refresh-tokens";
import { HttpError } from "../lib/http-error";
import { errorResponse, jsonBody, jsonResponse } from "../lib/openapi-schemas";
import { requireSameOrigin } from "../middleware/csrf";
import { validationHook } from "../middleware/errors";
import { authRateLimit, refreshRateLimit } from "../middleware/rate-limit";

type UserRow = typeof users.$inferSelect;

const sessionResponse = (description: string) => jsonResponse(description, AuthSessionSchema);
const commonErrors = {
  400: errorResponse("Invalid body"),
  413: errorResponse("Body too large"),
  429: errorResponse("Too many attempts from this address"),
};
const cookieErrors = {
  403: errorResponse("Cross-site request (missing X-Requested-With, or a foreign Origin)"),
  429: errorResponse("Too many requests from this address"),
};
/** Token answers must never be stored by a browser or proxy cache. */
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export const toUser = (u: UserRow): User => ({
  id: u.id,
  email: u.email,
  role: u.role,
  created_at: new Date(u.createdAt).toISOString(),
});

/** Access token for the session in the body; the session's refresh token in the HttpOnly cookie. */
async function session(c: Context<AppEnv>, user: UserRow, refresh: IssuedRefreshToken): Promise<AuthSession> {
  const ttl = Number(c.env.ACCESS_TOKEN_TTL_SECONDS);
  setRefreshCookie(c, refresh.token, Number(c.env.REFRESH_TOKEN_TTL_SECONDS));
  c.header("Cache-Control", NO_STORE["Cache-Control"]);
  c.header("Pragma", NO_STORE.Pragma);
  return {
    user: toUser(user),
    access_token: await signAccessToken(
      c.env.JWT_SECRET,
      { sub: user.id, role: user.role, sid: refresh.familyId, ver: user.tokenVersion },
      ttl,
    ),
    token_type: "Bearer",
    expires_in: ttl,
  };
}

const newSession = async (c: Context<AppEnv>, d: Db, user: UserRow) =>
  session(c, user, await issueRefreshToken(d, user.id, Number(c.env.REFRESH_TOKEN_TTL_SECONDS)));

const invalidCredentials = () => new HttpError(401, "unauthorized", "invalid email or password");
const invalidRefresh = () =>
  new HttpError(401, "unauthorized", "invalid refresh token", undefined, {
    "WWW-Authenticate": `Bearer error="invalid_token"`,
    ...NO_STORE,
  });
const throttled = (waitMs: number) => {
  const seconds = Math.ceil(waitMs / 1000);
  return new HttpError(
    429,
    "rate_limited",
    `too many failed sign-ins for this account, retry in ${seconds} s`,
    { retry_after_seconds: seconds },
    { "Retry-After": String(seconds) },
  );
};

/** Refuses a guessable new password with zxcvbn's reason, in the validation error shape. */
async function requireStrongPassword(password: string, email: string, field: string): Promise<void> {
  const verdict = await judgePassword(password, accountWords(email));
  if (!verdict.ok) {
    throw new HttpError(400, "validation_error", "validation failed", [
      {
        path: field,
        code: "weak_password",
        message: verdict.warning ?? "password too easy to guess",
        score: verdict.score,
        suggestions: verdict.suggestions,
      },
    ]);
  }
}

const register = createRoute({
  tags: ["auth"],
  middleware: [authRateLimit],
  method: "post",
  path: "/auth/register",
  summary: "Create an account and start a session",
  description:
    "The password must be 10+ characters and not common, breached or built from the email (details name the reason). The refresh token is set as an HttpOnly cookie.",
  request: { body: jsonBody(RegisterRequestSchema) },
  responses: {
    201: sessionResponse("Account created"),
    409: errorResponse("Email already registered"),
    ...commonErrors,
  },
});

const login = createRoute({
  tags: ["auth"],
  middleware: [authRateLimit],
  method: "post",
  path: "/auth/login",
  summary: "Start a session with email and password",
  description:
    "Throttled per IP and per account (5 free failures, then 30 s doubling to 15 min). The refresh token is set as an HttpOnly cookie.",
  request: { body: jsonBody(LoginRequestSchema) },
  responses: { 200: sessionResponse("Signed in"), 401: errorResponse("Invalid email or password"), ...commonErrors },
});

const refresh = createRoute({
  tags: ["auth"],
  middleware: [refreshRateLimit, requireSameOrigin],
  method: "post",
  path: "/auth/refresh",
  summary: "Rotate the refresh cookie (a reused one revokes its whole session)",
  description: "Authenticated by the `et_refresh` cookie; needs the `X-Requested-With: edgetrader` header.",
  responses: {
    200: sessionResponse("New access token and refresh cookie"),
    401: errorResponse("Missing, unknown, expired, revoked or reused refresh token"),
    ...cookieErrors,
  },
});

const logout = createRoute({
  tags: ["auth"],
  middleware: [refreshRateLimit, requireSameOrigin],
  method: "post",
  path: "/auth/logout",
  summary: "End this session: its refresh cookie and every access token issued for it",
  description: "Authenticated by the `et_refresh` cookie; needs the `X-Requested-With: edgetrader` header.",
  responses: { 204: { description: "Session ended (also without or with an unknown cookie)" }, ...cookieErrors },
});

const changePassword = createRoute({
  tags: ["auth"],
  middleware: [authRateLimit, ...authed],
  security: bearerSecurity,
  method: "post",
  path: "/auth/password",
  summary: "Change the password: every other session and every earlier access token ends",
  request: { body: jsonBody(ChangePasswordRequestSchema) },
  responses: {
    200: sessionResponse("Changed; a new session for this browser"),
    401: errorResponse("Missing, expired or invalid access token"),
    403: errorResponse("Current password is wrong"),
    ...commonErrors,
  },
});

const logoutEverywhere = createRoute({
  tags: ["auth"],
  middleware: [...authed],
  security: bearerSecurity,
  method: "post",
  path: "/auth/logout-all",
  summary: "Sign out everywhere: every session and access token of the user ends",
  responses: {
    204: { description: "Every session ended" },
    401: errorResponse("Missing, expired or invalid access token"),
    429: errorResponse("Too many requests"),
  },
});

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(register, async (c) => {
    const { email, password } = c.req.valid("json");
    await requireStrongPassword(password, email, "password");
    const d = db(c.env);
    // Hash first: a taken email costs the same as a new one.
    const passwordHash = hashPassword(password);
    const [user] = await d
      .insert(users)
      .values({ id: crypto.randomUUID(), email, passwordHash, createdAt: Date.now() })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new HttpError(409, "conflict", "email already registered");
    c.var.log.info("user registered", { userId: user.id });
    c.set("userId", user.id);
    return c.json(await newSession(c, d, user), 201);
  })
  .openapi(login, async (c) => {
    const { email, password } = c.req.valid("json");
    const wait = await beginLoginAttempt(c.env.DB, email);
    if (wait > 0) {
      c.var.log.info("login throttled", { waitMs: wait });
      throw throttled(wait);
    }
    const d = db(c.env);
    const user = await d.query.users.findFirst({ where: eq(users.email, email) });
    if (!user) {
      verifyPassword(password, DUMMY_HASH); // same cost as a real check: no enumeration by timing
      c.var.log.info("login failed", { reason: "unknown_email" });
      throw invalidCredentials();
    }
    if (!verifyPassword(password, user.passwordHash)) {
      c.var.log.info("login failed", { reason: "wrong_password", userId: user.id });
      throw invalidCredentials();
    }
    await clearLoginFailures(c.env.DB, email);
    if (needsRehash(user.passwordHash)) {
      await d
        .update(users)
        .set({ passwordHash: hashPassword(password) })
        .where(eq(users.id, user.id));
      c.var.log.info("password rehashed", { userId: user.id });
    }
    c.set("userId", user.id);
    return c.json(await newSession(c, d, user), 200);
  })
  .openapi(refresh, async (c) => {
    const token = refreshCookie(c);
    if (!token) throw invalidRefresh();
    const d = db(c.env);
    const rotated = await rotateRefreshToken(d, token, Number(c.env.REFRESH_TOKEN_TTL_SECONDS));
    if (!rotated.ok) {
      c.var.log.warn("refresh refused", { reason: rotated.reason });
      clearRefreshCookie(c);
      throw invalidRefresh();
    }
    const user = await d.query.users.findFirst({ where: eq(users.id, rotated.userId) });
    if (!user) throw invalidRefresh();
    c.set("userId", user.id);
    return c.json(await session(c, user, rotated), 200);
  })
  .openapi(logout, async (c) => {
    const token = refreshCookie(c);
    const ended = token ? await revokeFamilyOf(db(c.env), token) : null;
    if (ended) await userObject(c.env, ended.userId).endBrowserSessions(ended.userId, ended.familyId);
    clearRefreshCookie(c);
    return c.body(null, 204, NO_STORE);
  })
  .openapi(changePassword, async (c) => {
    const { current_password, new_password } = c.req.valid("json");
    const d = db(c.env);
    const user = await d.query.users.findFirst({ where: eq(users.id, c.var.userId) });
    if (!user) throw new HttpError(401, "unauthorized", "user no longer exists");
    // Guessing the current password here counts against the same per-account throttle as login.
    const wait = await beginLoginAttempt(c.env.DB, user.email);
    if (wait > 0) throw throttled(wait);
    if (!verifyPassword(current_password, user.passwordHash))
      throw new HttpError(403, "forbidden", "current password is wrong");
    await clearLoginFailures(c.env.DB, user.email);
    await requireStrongPassword(new_password, user.email, "new_password");
    await d
      .update(users)
      .set({ passwordHash: hashPassword(new_password) })
      .where(eq(users.id, user.id));
    await revokeAllFamilies(d, user.id);
    const tokenVersion = await bumpTokenVersion(d, user.id);
    await userObject(c.env, user.id).endBrowserSessions(user.id);
    c.var.log.info("password changed", { userId: user.id });
    return c.json(await newSession(c, d, { ...user, tokenVersion }), 200);
  })
  .openapi(logoutEverywhere, async (c) => {
    const d = db(c.env);
    await revokeAllFamilies(d, c.var.userId);
    await bumpTokenVersion(d, c.var.userId);
    await userObject(c.env, c.var.userId).endBrowserSessions(c.var.userId);
    clearRefreshCookie(c);
    c.var.log.info("signed out everywhere", { userId: c.var.userId });
    return c.body(null, 204, NO_STORE);
  });
