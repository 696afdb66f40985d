import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import { ConnectorStatusViewSchema } from "../../core/protocol/connector-status";
import {
  CancelOrderRequestSchema,
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
import { errorResponse, jsonBody, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

// Commands on open positions, paper and connector alike (close, partial close, modify, stop loss,
// breakeven) and cancel of a connector order not yet sent; plus the connector's status. A paper
// position changes at once (200, status "done"); a connector command is stored in the user's
// object and sent to the connector (202, status "pending"); its outcome arrives as events
// (position_updated / position_closed / TRADE_ERROR). client_id makes a request idempotent.

const common = { tags: ["trading"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};
const answer = (description: string) => jsonResponse(description, PositionCommandAcceptedSchema);
const responses = {
  200: answer("Done (a paper position, or a cancel); also the first answer again for a repeated client_id"),
  202: answer("Stored; sent to the connector now (sent:true) or when it connects, until expires_at"),
  400: errorResponse("Invalid body"),
  404: errorResponse("No open position (or pending connector order) with this id"),
  409: errorResponse("Cannot apply now (nothing pending to cancel, client_id used for another command)"),
  422: errorResponse("Refused by the account (levels on the wrong side of the price, volume that does not fit)"),
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

const close = route("/positions/{id}/close", "Close a position (volume: partial close)", ClosePositionRequestSchema);
const modify = route(
  "/positions/{id}/modify",
  "Set SL/TP of a position (null removes a level)",
  ModifyPositionRequestSchema,
);
const stopLoss = route(
  "/positions/{id}/stop-loss",
  "Move the stop loss of a position (connector: UPDATE_SL)",
  UpdateStopLossRequestSchema,
);
const breakeven = route(
  "/positions/{id}/breakeven",
  "Move the stop loss to entry (+ offset) (connector: MOVE_BREAKEVEN)",
  MoveBreakevenRequestSchema,
);
const cancel = route(
  "/positions/{id}/cancel",
  "Cancel a connector order that has not been sent yet (id: the pending trade's)",
  CancelOrderRequestSchema,
);
const status = createRoute({
  ...common,
  method: "get",
  path: "/connector/status",
  summary: "The connector: online, terminal connected, broker account, commands waiting",
  responses: {
    200: jsonResponse("Status", ConnectorStatusViewSchema),
    ...authErrors,
  },
});

const HTTP = { not_found: [404, "not_found"], conflict: [409, "conflict"], rejected: [422, "bad_request"] } as const;

async function run(env: Env, userId: string, positionId: string, req: PositionCommandRequest) {
  const out = await userObject(env, userId).positionCommand(userId, positionId, req);
  if (!out.ok) {
    const [status, code] = HTTP[out.code];
    throw new HttpError(status, code, out.message, out.details);
  }
  return {
    body: out.accepted,
    status: out.accepted.status === "done" || out.accepted.duplicate ? (200 as const) : (202 as const),
  };
}

const idem = (b: { client_id?: string | undefined }) => (b.client_id !== undefined ? { client_id: b.client_id } : {});

export const positionCommandRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(close, async (c) => {
    const b = c.req.valid("json");
    const r = await run(c.env, c.var.userId, c.req.valid("param").id, {
      kind: "close",
      ...(b.volume !== undefined ? { volume: b.volume } : {}),
      ...idem(b),
    });
    return c.json(r.body, r.status);
  })
  .openapi(modify, async (c) => {
    const b = c.req.valid("json");
    const r = await run(c.env, c.var.userId, c.req.valid("param").id, {
      kind: "modify",
      ...(b.sl !== undefined ? { sl: b.sl } : {}),
      ...(b.tp !== undefined ? { tp: b.tp } : {}),
      ...idem(b),
    });
    return c.json(r.body, r.status);
  })
  .openapi(stopLoss, async (c) => {
    const b = c.req.valid("json");
    const r = await run(c.env, c.var.userId, c.req.valid("param").id, { kind: "update_sl", sl: b.sl, ...idem(b) });
    return c.json(r.body, r.status);
  })
  .openapi(breakeven, async (c) => {
    const b = c.req.valid("json");
    const r = await run(c.env, c.var.userId, c.req.valid("param").id, {
      kind: "breakeven",
      offset: b.offset,
      ...idem(b),
    });
    return c.json(r.body, r.status);
  })
  .openapi(cancel, async (c) => {
    const r = await run(c.env, c.var.userId, c.req.valid("param").id, { kind: "cancel", ...idem(c.req.valid("json")) });
    return c.json(r.body, r.status);
  })
  .openapi(status, async (c) => c.json(await userObject(c.env, c.var.userId).connectorStatus(c.var.userId), 200));
