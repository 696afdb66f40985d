import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  ConnectorTokenIdParamsSchema,
  ConnectorTokenListSchema,
  CreateConnectorTokenRequestSchema,
  CreatedConnectorTokenSchema,
} from "../../core/protocol/connector-tokens";
import { createConnectorToken, listConnectorTokens, revokeConnectorToken } from "../../platform/auth/connector-tokens";
import { db } from "../../platform/db/client";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { notFound } from "../lib/http-error";
import { errorResponse, jsonBody, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

const common = { tags: ["connectors"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};

const create = createRoute({
  ...common,
  method: "post",
  path: "/connectors",
  summary: "Create a connector token (the token is shown only in this answer)",
  request: { body: jsonBody(CreateConnectorTokenRequestSchema) },
  responses: {
    201: jsonResponse("Created", CreatedConnectorTokenSchema),
    400: errorResponse("Invalid body"),
    ...authErrors,
  },
});

const list = createRoute({
  ...common,
  method: "get",
  path: "/connectors",
  summary: "The user's connector tokens (never the secrets)",
  responses: {
    200: jsonResponse("Tokens, newest first, revoked ones included", ConnectorTokenListSchema),
    ...authErrors,
  },
});

const revoke = createRoute({
  ...common,
  method: "delete",
  path: "/connectors/{id}",
  summary: "Revoke a connector token",
  request: { params: ConnectorTokenIdParamsSchema },
  responses: {
    204: { description: "Revoked (also if it already was)" },
    404: errorResponse("No such token for this user"),
    ...authErrors,
  },
});

export const connectorRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const { name } = c.req.valid("json");
    const created = await createConnectorToken(db(c.env), c.var.userId, name);
    c.var.log.info("connector token created", { connectorId: created.id });
    return c.json(created, 201);
  })
  .openapi(list, async (c) => c.json({ connectors: await listConnectorTokens(db(c.env), c.var.userId) }, 200))
  .openapi(revoke, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await revokeConnectorToken(db(c.env), c.var.userId, id))) throw notFound("connector token");
    c.var.log.info("connector token revoked", { connectorId: id });
    return c.body(null, 204);
  });
