import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import { ConnectorStatusViewSchema } from "../../core/protocol/connector-status";
import {
  ClosePositionRequestSchema,
  ModifyPositionRequestSchema,
  MoveBreakevenRequestSchema,
  PositionCommandAcceptedSchema,
  type PositionCommandRequest,
  PositionIdParamsSchema,
  UpdateStopLossRequestSchema,
} from "../../core/protocol/position-commands";
import type { Env } from "../../platform/env";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError } from "../lib/http-error";
import { validationHook } from "../middleware/errors";
import { errorResponse, jsonBody } from "./auth";

// Commands on open connector positions (close, modify, stop loss, breakeven) and the connector's
// status. Each command is stored in the user's object and sent to the connector; the outcome
// arrives as events (position_updated / position_closed / TRADE_ERROR).

const common = { tags: ["trading"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};
const accepted = {
  description: "Stored; sent to the connector now (sent:true) or when it connects, until expires_at",
  content: { "application/json": { schema: PositionCommandAcceptedSchema } },
};
const responses = {
  202: accepted,
  400: errorResponse("Invalid body"),
  404: errorResponse("No open connector position with this id"),
  409: errorResponse("A paper position (commands go to connector positions)"),
  ...authErrors,
};

const route = <S extends z.ZodType>(path: string, summary: string, body: S) =>
  createRoute({
    ...common,
    method: "post",
    path,
    summary,
    request: { params: PositionIdParamsSchema, body: jsonBody(body) },
    responses,
  });

const close = route(
  "/positions/{id}/close",
  "Close a connector position (volume: partial)",
  ClosePositionRequestSchema,
);
const modify = route(
  "/positions/{id}/modify",
  "Set SL/TP of a connector position (null removes a level)",
  ModifyPositionRequestSchema,
);
const stopLoss = route(
  "/positions/{id}/stop-loss",
  "Move the stop loss of a connector position (UPDATE_SL)",
  UpdateStopLossRequestSchema,
);
const breakeven = route(
  "/positions/{id}/breakeven",
  "Move the stop loss to entry (+ offset) (MOVE_BREAKEVEN)",
  MoveBreakevenRequestSchema,
);
const status = createRoute({
  ...common,
  method: "get",
  path: "/connector/status",
  summary: "The connector: online, terminal connected, broker account, commands waiting",
  responses: {
    200: { description: "Status", content: { "application/json": { schema: ConnectorStatusViewSchema } } },
    ...authErrors,
  },
});

async function run(env: Env, userId: string, positionId: string, req: PositionCommandRequest) {
  const out = await userObject(env, userId).positionCommand(userId, positionId, req);
  if (!out.ok)
    throw new HttpError(
      out.code === "not_found" ? 404 : 409,
      out.code === "not_found" ? "not_found" : "conflict",
      out.message,
    );
  return out.accepted;
}

export const positionCommandRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(close, async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await run(c.env, c.var.userId, c.req.valid("param").id, {
        kind: "close",
        ...(b.volume !== undefined ? { volume: b.volume } : {}),
      }),
      202,
    );
  })
  .openapi(modify, async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await run(c.env, c.var.userId, c.req.valid("param").id, {
        kind: "modify",
        ...(b.sl !== undefined ? { sl: b.sl } : {}),
        ...(b.tp !== undefined ? { tp: b.tp } : {}),
      }),
      202,
    );
  })
  .openapi(stopLoss, async (c) =>
    c.json(
      await run(c.env, c.var.userId, c.req.valid("param").id, { kind: "update_sl", sl: c.req.valid("json").sl }),
      202,
    ),
  )
  .openapi(breakeven, async (c) =>
    c.json(
      await run(c.env, c.var.userId, c.req.valid("param").id, {
        kind: "breakeven",
        offset: c.req.valid("json").offset,
      }),
      202,
    ),
  )
  .openapi(status, async (c) => c.json(await userObject(c.env, c.var.userId).connectorStatus(c.var.userId), 200));
