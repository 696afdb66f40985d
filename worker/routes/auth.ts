import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import {
  AuthSessionSchema,
  LoginRequestSchema,
  LogoutRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  type AuthSession,
  type User,
} from "../../core/protocol/auth";
import { ApiErrorSchema } from "../../core/protocol/errors";
import type { AppEnv } from "../app-env";
import { signAccessToken } from "../auth/jwt";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "../auth/password";
import { issueRefreshToken, revokeFamilyOf, rotateRefreshToken } from "../auth/refresh-tokens";
import { db, type Db } from "../../platform/db/client";
import { users } from "../../platform/db/schema";
import type { Env } from "../../platform/env";
import { HttpError } from "../lib/http-error";
import { validationHook } from "../middleware/errors";
import { authRateLimit } from "../middleware/rate-limit";

type UserRow = typeof users.$inferSelect;

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
export const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ApiErrorSchema } } });
const sessionResponse = (description: string) => ({ description, content: { "application/json": { schema: AuthSessionSchema } } });
const common = { tags: ["auth"], middleware: [authRateLimit] };
const commonErrors = { 400: errorResponse("Invalid body"), 413: errorResponse("Body too large"), 429: errorResponse("Too many attempts from this address") };

export const toUser = (u: UserRow): User => ({ id: u.id, email: u.email, role: u.role, created_at: new Date(u.createdAt).toISOString() });

/** Access token + a refresh token (new family unless rotating one). */
async function session(env: Env, user: UserRow, refreshToken?: string, d: Db = db(env)): Promise<AuthSession> {
  const ttl = Number(env.ACCESS_TOKEN_TTL_SECONDS);
  return {
    user: toUser(user),
    access_token: await signAccessToken(env.JWT_SECRET, { sub: user.id, role: user.role }, ttl),
    refresh_token: refreshToken ?? (await issueRefreshToken(d, user.id, Number(env.REFRESH_TOKEN_TTL_SECONDS))),
    token_type: "Bearer",
    expires_in: ttl,
  };
}

const invalidCredentials = () => new HttpError(401, "unauthorized", "invalid email or password");
const invalidRefresh = () => new HttpError(401, "unauthorized", "invalid refresh token", undefined, { "WWW-Authenticate": `Bearer error="invalid_token"` });

const register = createRoute({
  ...common,
  method: "post",
  path: "/auth/register",
  summary: "Create an account and start a session",
  request: { body: jsonBody(RegisterRequestSchema) },
  responses: { 201: sessionResponse("Account created"), 409: errorResponse("Email already registered"), ...commonErrors },
});

const login = createRoute({
  ...common,
  method: "post",
  path: "/auth/login",
  summary: "Start a session with email and password",
  request: { body: jsonBody(LoginRequestSchema) },
  responses: { 200: sessionResponse("Signed in"), 401: errorResponse("Invalid email or password"), ...commonErrors },
});

const refresh = createRoute({
  ...common,
  method: "post",
  path: "/auth/refresh",
  summary: "Rotate a refresh token (a reused one revokes its whole session)",
  request: { body: jsonBody(RefreshRequestSchema) },
  responses: { 200: sessionResponse("New access and refresh token"), 401: errorResponse("Unknown, expired, revoked or reused refresh token"), ...commonErrors },
});

const logout = createRoute({
  ...common,
  method: "post",
  path: "/auth/logout",
  summary: "End the session the refresh token belongs to",
  request: { body: jsonBody(LogoutRequestSchema) },
  responses: { 204: { description: "Session ended (also for an unknown token)" }, ...commonErrors },
});

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(register, async (c) => {
    const { email, password } = c.req.valid("json");
    const d = db(c.env);
    // Hash first: a taken email costs the same as a new one.
    const passwordHash = hashPassword(password);
    const [user] = await d.insert(users).values({ id: crypto.randomUUID(), email, passwordHash, createdAt: Date.now() }).onConflictDoNothing().returning();
    if (!user) throw new HttpError(409, "conflict", "email already registered");
    c.var.log.info("user registered", { userId: user.id });
    c.set("userId", user.id);
    return c.json(await session(c.env, user, undefined, d), 201);
  })
  .openapi(login, async (c) => {
    const { email, password } = c.req.valid("json");
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
    if (needsRehash(user.passwordHash)) {
      await d.update(users).set({ passwordHash: hashPassword(password) }).where(eq(users.id, user.id));
      c.var.log.info("password rehashed", { userId: user.id });
    }
    c.set("userId", user.id);
    return c.json(await session(c.env, user, undefined, d), 200);
  })
  .openapi(refresh, async (c) => {
    const { refresh_token } = c.req.valid("json");
    const d = db(c.env);
    const rotated = await rotateRefreshToken(d, refresh_token, Number(c.env.REFRESH_TOKEN_TTL_SECONDS));
    if (!rotated.ok) {
      c.var.log.warn("refresh refused", { reason: rotated.reason });
      throw invalidRefresh();
    }
    const user = await d.query.users.findFirst({ where: eq(users.id, rotated.userId) });
    if (!user) throw invalidRefresh();
    c.set("userId", user.id);
    return c.json(await session(c.env, user, rotated.token, d), 200);
  })
  .openapi(logout, async (c) => {
    const { refresh_token } = c.req.valid("json");
    await revokeFamilyOf(db(c.env), refresh_token);
    return c.body(null, 204);
  });
