// Training on the edge: POST /ml/models/{id}/train queues a job in the caller's object (bars from its
// bar store, trained in bounded slices by the object's alarm), GET .../train/{job_id} reports it, and
// POST .../rollback re-activates the previous model version in one D1 batch.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  RollbackRequestSchema,
  type RollbackResponse,
  RollbackResponseSchema,
  type TrainAccepted,
  TrainAcceptedSchema,
  TrainJobSchema,
  TrainRequestSchema,
} from "../../core/protocol/training";
import { getBot } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import { rollbackModelVersion } from "../../platform/ml/model-versions";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError, notFound } from "../lib/http-error";
import { errorResponse, jsonBody, jsonResponse } from "../lib/openapi-schemas";
import { validationHook } from "../middleware/errors";

const common = { tags: ["ml/models"], middleware: [...authed], security: bearerSecurity };
const authErrors = {
  401: errorResponse("Missing, expired or invalid access token"),
  429: errorResponse("Too many requests"),
};
const IdParams = z.object({ id: z.string().min(1).max(64) });

const train = createRoute({
  ...common,
  method: "post",
  path: "/ml/models/{id}/train",
  summary:
    "Train the bot's model for one timeframe from the object's stored bars (runs in bounded slices; progress as TRAINING_* events)",
  request: { params: IdParams, body: jsonBody(TrainRequestSchema) },
  responses: {
    202: jsonResponse("Job queued", TrainAcceptedSchema),
    400: errorResponse("Invalid body (unknown field, out-of-range knob, bad timeframe)"),
    404: errorResponse("No such bot for this user"),
    409: errorResponse("A training job for this bot and timeframe is already queued or running (details.job_id)"),
    ...authErrors,
  },
});

const status = createRoute({
  ...common,
  method: "get",
  path: "/ml/models/{id}/train/{job_id}",
  summary: "A training job: stage, progress, metrics, result or error, and its events in order",
  request: { params: IdParams.extend({ job_id: z.string().min(1).max(64) }) },
  responses: {
    200: jsonResponse("The job", TrainJobSchema),
    404: errorResponse("No such bot or job for this user"),
    ...authErrors,
  },
});

const rollback = createRoute({
  ...common,
  method: "post",
  path: "/ml/models/{id}/rollback",
  summary: "Re-activate the previous model version of a timeframe (the active one is retired in the same transaction)",
  request: { params: IdParams, body: jsonBody(RollbackRequestSchema) },
  responses: {
    200: jsonResponse("Rolled back", RollbackResponseSchema),
    400: errorResponse("Invalid body"),
    404: errorResponse("No such bot for this user"),
    409: errorResponse("Nothing to roll back to (no active version, or it is the oldest)"),
    ...authErrors,
  },
});

export const trainRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(train, async (c) => {
    const { id } = c.req.valid("param");
    const { timeframe, ...params } = c.req.valid("json");
    const userId = c.var.userId;
    const bot = await getBot(db(c.env), userId, id);
    if (!bot) throw notFound("bot");
    const r = await userObject(c.env, userId).startTraining(bot.id, timeframe, { userId, symbol: bot.symbol, params });
    if (!r.ok)
      throw new HttpError(409, "conflict", `a ${timeframe} training job for this bot is already ${r.job.status}`, {
        job_id: r.job.job_id,
      });
    c.var.log.info("training queued", { botId: bot.id, timeframe, jobId: r.job.job_id });
    const body: TrainAccepted = { job_id: r.job.job_id, status: r.job.status, stage: r.job.stage };
    return c.json(body, 202);
  })
  .openapi(status, async (c) => {
    const { id, job_id } = c.req.valid("param");
    const userId = c.var.userId;
    const bot = await getBot(db(c.env), userId, id);
    if (!bot) throw notFound("bot");
    const job = await userObject(c.env, userId).trainingStatus(userId, job_id);
    if (!job || job.bot_id !== bot.id) throw notFound("training job");
    return c.json(TrainJobSchema.parse(job), 200);
  })
  .openapi(rollback, async (c) => {
    const { id } = c.req.valid("param");
    const { timeframe } = c.req.valid("json");
    const userId = c.var.userId;
    const bot = await getBot(db(c.env), userId, id);
    if (!bot) throw notFound("bot");
    const r = await rollbackModelVersion(c.env, userId, bot.id, timeframe);
    if (!r.ok) throw new HttpError(409, "conflict", r.message, { reason: r.reason });
    c.var.log.info("model rolled back", { botId: bot.id, timeframe, active: r.activated.version, retired: r.retired });
    const body: RollbackResponse = {
      bot_id: bot.id,
      timeframe,
      active_version: r.activated.version,
      r2_key: r.activated.r2Key,
      retired_version: r.retired,
    };
    return c.json(body, 200);
  });
