import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { UserSchema } from "../../core/protocol/auth";
import { db } from "../../platform/db/client";
import { users } from "../../platform/db/schema";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError } from "../lib/http-error";
import { errorResponse, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";
import { toUser } from "./auth";

const me = createRoute({
  method: "get",
  path: "/me",
  tags: ["auth"],
  summary: "The signed-in user",
  middleware: [...authed],
  security: bearerSecurity,
  responses: {
    200: jsonResponse("The user of the access token", UserSchema),
    401: errorResponse("Missing, expired or invalid access token"),
    429: errorResponse("Too many requests"),
  },
});

export const meRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(me, async (c) => {
  const user = await db(c.env).query.users.findFirst({ where: eq(users.id, c.var.userId) });
  // A valid token for a deleted account: the token outlived the user, so it is no longer good.
  if (!user)
    throw new HttpError(401, "unauthorized", "user no longer exists", undefined, {
      "WWW-Authenticate": `Bearer error="invalid_token"`,
    });
  return c.json(toUser(user), 200);
});
