// PUT /ml/models/{id}/artifact?timeframe=4h: bring your own ONNX model. The bytes must meet the model
// contract (core/onnx/contract.ts) for the declared feature schema and run in the user's object,
// giving probability rows for the contract's test rows; otherwise 400 with every error and nothing
// stored. A timeframe outside the bot's ensemble is 409 unless force=true. On success the artifact goes to R2 under a new version and becomes the
// active model of (bot, timeframe); the previous active version is kept as retired for rollback.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import { TimeframeSchema } from "../../core/market/timeframes";
import { type ModelContractInfo, validateModelContract } from "../../core/onnx/contract";
import { getBot, parseStoredConfig } from "../../platform/bots/store";
import { db } from "../../platform/db/client";
import {
  ONNX_CONTENT_TYPE,
  type StoredVersion,
  sha256Hex,
  storeModelVersion,
  VersionConflictError,
} from "../../platform/ml/model-versions";
import { userObject } from "../../platform/object-address";
import type { AppEnv } from "../app-env";
import { authed, bearerSecurity } from "../auth/guards";
import { HttpError, notFound } from "../lib/http-error";
import { errorResponse, jsonResponse } from "../lib/openapi-schemas";
import { ARTIFACT_MAX_BYTES } from "../middleware/body-limit";
import { validationHook } from "../middleware/errors";

// Storage (version numbering, create-only R2 put, the one-batch swap) lives in platform/ml/model-versions.ts.
export { artifactKey, ONNX_CONTENT_TYPE } from "../../platform/ml/model-versions";

const SCHEMA_LABEL = `'${FEATURE_SCHEMA.name}' v${FEATURE_SCHEMA.version}`;

export const ModelArtifactSchema = z
  .object({
    id: z.string(),
    bot_id: z.string(),
    timeframe: TimeframeSchema,
    version: z.number().int().positive(),
    status: z.literal("active"),
    r2_key: z.string(),
    size_bytes: z.number().int(),
    sha256: z.string(),
    feature_schema: z.object({
      name: z.string(),
      version: z.number().int(),
      hash: z.string(),
      feature_count: z.number().int(),
    }),
    input: z.object({ name: z.string(), type: z.string() }),
    probabilities_output: z.string(),
    producer: z.string(),
    retired_version: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi("ModelArtifact");
export type ModelArtifact = z.infer<typeof ModelArtifactSchema>;

const upload = createRoute({
  method: "put",
  path: "/ml/models/{id}/artifact",
  tags: ["ml/models"],
  middleware: [...authed],
  security: bearerSecurity,
  summary: "Upload an ONNX model for one timeframe of a bot (new active version; the previous one is kept as retired)",
  description: `Body: raw ONNX bytes (${ONNX_CONTENT_TYPE}, at most ${ARTIFACT_MAX_BYTES} bytes). Contract: one float input [N, ${FEATURE_COUNT}] (feature schema ${SCHEMA_LABEL}), class probabilities as a plain float tensor [N, 3] (SELL, HOLD, BUY; no ZipMap), operators from ai.onnx / ai.onnx.ml.`,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    query: z.object({
      timeframe: TimeframeSchema,
      force: z.enum(["true", "false", "1", "0"]).optional().openapi({
        description:
          "Store a model for a timeframe outside the bot's ensemble anyway (it is not used until the ensemble names the timeframe)",
      }),
    }),
    body: { required: true, content: { [ONNX_CONTENT_TYPE]: { schema: z.string().openapi({ format: "binary" }) } } },
  },
  responses: {
    201: jsonResponse("Stored and active", ModelArtifactSchema),
    400: errorResponse(
      "Not an ONNX model or it breaks the model contract (details.errors lists every violation); nothing stored",
    ),
    401: errorResponse("Missing, expired or invalid access token"),
    404: errorResponse("No such bot for this user"),
    409: errorResponse(
      "The bot's ensemble does not use this timeframe (pass force=true to store it anyway), or another upload took the version; retry",
    ),
    413: errorResponse("Artifact larger than the cap"),
    415: errorResponse(`Content-Type is not ${ONNX_CONTENT_TYPE}`),
    429: errorResponse("Too many requests"),
  },
});

function card(info: ModelContractInfo, size: number, sha256: string) {
  return {
    source: "upload",
    size_bytes: size,
    sha256,
    feature_schema: {
      name: FEATURE_SCHEMA.name,
      version: FEATURE_SCHEMA.version,
      hash: FEATURE_SCHEMA.hash,
      feature_count: FEATURE_COUNT,
    },
    contract: info,
  };
}

export const modelArtifactRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  upload,
  async (c) => {
    const { id } = c.req.valid("param");
    const { timeframe, force } = c.req.valid("query");
    const userId = c.var.userId;
    const d = db(c.env);
    const bot = await getBot(d, userId, id);
    if (!bot) throw notFound("bot");
    // A model for a timeframe the ensemble does not name would be stored as active and never run.
    const used = parseStoredConfig(bot).ensemble.models.map((m) => m.timeframe);
    if (!used.includes(timeframe) && force !== "true" && force !== "1") {
      throw new HttpError(
        409,
        "conflict",
        `the bot's ensemble does not use ${timeframe} (it uses ${used.join(", ")}): a ${timeframe} model would never run; add ${timeframe} to the ensemble or pass force=true; nothing was stored`,
        { timeframe, ensemble_timeframes: used },
      );
    }
    const contentType = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
    if (contentType !== ONNX_CONTENT_TYPE)
      throw new HttpError(
        415,
        "bad_request",
        `Content-Type must be ${ONNX_CONTENT_TYPE} (the raw ONNX file), got ${contentType ?? "none"}`,
      );

    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const contract = validateModelContract(bytes, {
      featureCount: FEATURE_COUNT,
      featureSchemaHash: FEATURE_SCHEMA.hash,
      schemaLabel: SCHEMA_LABEL,
    });
    if (!contract.ok) {
      const first = contract.errors[0]!;
      const more = contract.errors.length > 1 ? ` (and ${contract.errors.length - 1} more, see details.errors)` : "";
      throw new HttpError(400, "validation_error", `model rejected: ${first.message}${more}; nothing was stored`, {
        errors: contract.errors,
        feature_schema: {
          name: FEATURE_SCHEMA.name,
          version: FEATURE_SCHEMA.version,
          hash: FEATURE_SCHEMA.hash,
          feature_count: FEATURE_COUNT,
        },
      });
    }

    // The static check can't see everything (e.g. a kernel onnxruntime refuses): test-run it in the
    // user's object, with the same runtime that will serve it, before anything is stored.
    const runCheck = await userObject(c.env, userId).verifyModel(bytes, FEATURE_COUNT);
    if (!runCheck.ok) {
      throw new HttpError(
        400,
        "validation_error",
        `model rejected: ${
          runCheck.error.code === "bad_output"
            ? `its outputs are not probability rows: ${runCheck.error.message}`
            : `onnxruntime could not run it: ${runCheck.error.message}`
        }; nothing was stored`,
        {
          errors: [{ code: `runtime_${runCheck.error.code}`, message: runCheck.error.message }],
          feature_schema: {
            name: FEATURE_SCHEMA.name,
            version: FEATURE_SCHEMA.version,
            hash: FEATURE_SCHEMA.hash,
            feature_count: FEATURE_COUNT,
          },
        },
      );
    }

    const bytesCard = card(contract.info, bytes.length, await sha256Hex(bytes));
    let stored: StoredVersion;
    try {
      stored = await storeModelVersion(c.env, { userId, botId: bot.id, timeframe, bytes, card: bytesCard });
    } catch (err) {
      if (err instanceof VersionConflictError) throw new HttpError(409, "conflict", err.message);
      throw err;
    }
    const { version, key, sha256, id: rowId, createdAt } = stored;
    c.var.log.info("model artifact stored", { botId: bot.id, timeframe, version, bytes: bytes.length });
    const body: ModelArtifact = {
      id: rowId,
      bot_id: bot.id,
      timeframe,
      version,
      status: "active",
      r2_key: key,
      size_bytes: bytes.length,
      sha256,
      feature_schema: {
        name: FEATURE_SCHEMA.name,
        version: FEATURE_SCHEMA.version,
        hash: FEATURE_SCHEMA.hash,
        feature_count: FEATURE_COUNT,
      },
      input: contract.info.inputs[0]!,
      probabilities_output: contract.info.probabilitiesName,
      producer: contract.info.producer,
      retired_version: stored.retiredVersion,
      created_at: new Date(createdAt).toISOString(),
    };
    return c.json(body, 201);
  },
);
