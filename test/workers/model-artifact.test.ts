// PUT /api/v1/ml/models/{id}/artifact: a contract-meeting ONNX file is stored in R2 + model_versions
// and runs in the user's object; anything else gets a precise 400 and leaves R2 and D1 untouched.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { db } from "../../platform/db/client";
import { bots } from "../../platform/db/schema";
import { userObject } from "../../platform/object-address";
import { ARTIFACT_MAX_BYTES } from "../../worker/middleware/body-limit";
import { ModelArtifactSchema } from "../../worker/routes/model-artifacts";
import {
  brokenKernelModel,
  fixedBatchModel,
  metaFeatureCountModel,
  rawScoresModel,
  sklearnTensorModel,
  validLinearModel,
  zipMapModel,
} from "../fixtures/onnx-models";
import { api, registerUser, type TestUser } from "./helpers";

async function insertBot(userId: string): Promise<string> {
  const id = crypto.randomUUID();
  await db(env)
    .insert(bots)
    .values({ id, userId, name: "byom", symbol: "USDCHF", config: { symbol: "USDCHF" } }); // default ensemble: 15m, 1h, 4h
  return id;
}

function putArtifact(
  u: TestUser | undefined,
  botId: string,
  bytes: Uint8Array,
  timeframe = "4h",
  contentType = "application/octet-stream",
) {
  return api(`/api/v1/ml/models/${botId}/artifact?timeframe=${timeframe}`, {
    method: "PUT",
    body: bytes,
    headers: { "Content-Type": contentType },
    ...(u ? { token: u.accessToken } : {}),
  });
}

/** Everything an upload could have written for this user/bot. */
async function stored(userId: string, botId: string) {
  const objects = await env.MODELS.list({ prefix: `models/${userId}/` });
  const rows = await env.DB.prepare(
    "SELECT version, status, r2_key FROM model_versions WHERE bot_id = ? ORDER BY version",
  )
    .bind(botId)
    .all<{ version: number; status: string; r2_key: string }>();
  return { keys: objects.objects.map((o) => o.key).sort(), rows: rows.results };
}

async function expectRejected(res: Response, status: number, code: string, message: RegExp | string) {
  expect(res.status).toBe(status);
  const err = ApiErrorSchema.parse(await res.json()).error;
  expect(err.code).toBe(code);
  if (typeof message === "string") expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
  return err;
}

const goodModel = () => validLinearModel(FEATURE_COUNT, FEATURE_SCHEMA.hash);

describe("PUT /api/v1/ml/models/{id}/artifact", () => {
  it("stores a contract-meeting model as a new active version, retires the previous one, and the object runs it", async () => {
    const u = await registerUser();
    const botId = await insertBot(u.userId);
    const bytes = goodModel();

    const res = await putArtifact(u, botId, bytes);
    expect(res.status).toBe(201);
    const v1 = ModelArtifactSchema.parse(await res.json());
    expect(v1).toMatchObject({
      bot_id: botId,
      timeframe: "4h",
      version: 1,
      status: "active",
      r2_key: `models/${u.userId}/${botId}/4h/1.onnx`,
      size_bytes: bytes.length,
      retired_version: null,
    });
    expect(v1.input).toEqual({ name: "features", type: `float [N, ${FEATURE_COUNT}]` });
    expect(v1.feature_schema).toEqual({
      name: FEATURE_SCHEMA.name,
      version: FEATURE_SCHEMA.version,
      hash: FEATURE_SCHEMA.hash,
      feature_count: FEATURE_COUNT,
    });
    const obj = await env.MODELS.get(v1.r2_key);
    expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(bytes);

    // A skl2onnx-style upload (other names, no metadata) is the next version; v1 stays for rollback.
    const res2 = await putArtifact(u, botId, sklearnTensorModel(FEATURE_COUNT));
    expect(res2.status).toBe(201);
    const v2 = ModelArtifactSchema.parse(await res2.json());
    expect(v2).toMatchObject({
      version: 2,
      retired_version: 1,
      probabilities_output: "output_probability",
      input: { name: "float_input" },
    });
    expect(await stored(u.userId, botId)).toEqual({
      keys: [v1.r2_key, v2.r2_key],
      rows: [
        { version: 1, status: "retired", r2_key: v1.r2_key },
        { version: 2, status: "active", r2_key: v2.r2_key },
      ],
    });
    const row = await env.DB.prepare("SELECT card, feature_schema_hash, user_id FROM model_versions WHERE id = ?")
      .bind(v2.id)
      .first<{ card: string; feature_schema_hash: string; user_id: string }>();
    expect(row).toMatchObject({ feature_schema_hash: FEATURE_SCHEMA.hash, user_id: u.userId });
    expect(JSON.parse(row!.card)).toMatchObject({
      source: "upload",
      sha256: v2.sha256,
      contract: { inputName: "float_input", probabilitiesName: "output_probability" },
    });

    // The uploaded artifact runs in the user's object straight from R2.
    const rows = new Float32Array(2 * FEATURE_COUNT).map((_, i) => Math.sin(i));
    const out = await userObject(env, u.userId).predictProbabilities(v2.r2_key, rows, FEATURE_COUNT);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.probabilities[0]! + out.probabilities[1]! + out.probabilities[2]!).toBeCloseTo(1, 5);
  });

  it("rejects bad files with a precise 400 and stores nothing", async () => {
    const u = await registerUser();
    const botId = await insertBot(u.userId);
    await putArtifact(u, botId, goodModel()); // something already stored must stay exactly as it is
    const before = await stored(u.userId, botId);
    expect(before.rows).toHaveLength(1);

    await expectRejected(
      await putArtifact(u, botId, new TextEncoder().encode("PK\u0003\u0004 this is a zip, not onnx")),
      400,
      "validation_error",
      /^model rejected: the file is not an ONNX model .*; nothing was stored$/,
    );
    await expectRejected(
      await putArtifact(u, botId, new Uint8Array()),
      400,
      "validation_error",
      "the file is not an ONNX model",
    );

    const wrongCount = await expectRejected(
      await putArtifact(u, botId, validLinearModel(12, FEATURE_SCHEMA.hash)),
      400,
      "validation_error",
      `input 'features' has 12 features, the declared schema 'ohlcv-core' v1 has ${FEATURE_COUNT}`,
    );
    expect(wrongCount.details).toMatchObject({
      errors: [{ code: "feature_count" }],
      feature_schema: { name: "ohlcv-core", feature_count: FEATURE_COUNT },
    });

    const zip = await expectRejected(
      await putArtifact(u, botId, zipMapModel(FEATURE_COUNT)),
      400,
      "validation_error",
      "export probabilities as a plain float tensor [N, 3] instead, e.g. skl2onnx options={'zipmap': False}",
    );
    expect(zip.details).toMatchObject({ errors: [{ code: "zipmap_output" }] });

    await expectRejected(
      await putArtifact(u, botId, validLinearModel(FEATURE_COUNT, "0badc0ffee")),
      400,
      "validation_error",
      `the model was built for feature schema hash '0badc0ffee', the declared schema 'ohlcv-core' v1 has hash '${FEATURE_SCHEMA.hash}'`,
    );
    await expectRejected(
      await putArtifact(u, botId, fixedBatchModel(FEATURE_COUNT)),
      400,
      "validation_error",
      "fixed batch size of 1",
    );

    // Interface fine, kernel broken: only running it shows that.
    const broken = await expectRejected(
      await putArtifact(u, botId, brokenKernelModel(FEATURE_COUNT)),
      400,
      "validation_error",
      /^model rejected: onnxruntime could not run it: .+; nothing was stored$/,
    );
    expect(broken.details).toMatchObject({
      errors: [{ code: expect.stringMatching(/^runtime_(model_load_failed|run_failed)$/) }],
    });
    // ORT's build paths and C++ signatures stay in the log: the client gets a short message.
    expect(broken.message).not.toMatch(/\.cc\b|\.h:\d|::|onnxruntime_src/);
    expect(broken.message.length).toBeLessThan(400);

    // Runs, but its rows are raw scores (negatives, sums far from 1): the ensemble would refuse them every cycle.
    const raw = await expectRejected(
      await putArtifact(u, botId, rawScoresModel(FEATURE_COUNT, FEATURE_SCHEMA.hash)),
      400,
      "validation_error",
      /^model rejected: its outputs are not probability rows: test row \d+ of 8: probabilities must/,
    );
    expect(raw.details).toMatchObject({ errors: [{ code: "runtime_bad_output" }] });

    // Metadata that claims another feature count than the schema's.
    const meta = await expectRejected(
      await putArtifact(u, botId, metaFeatureCountModel(FEATURE_COUNT, 12, FEATURE_SCHEMA.hash)),
      400,
      "validation_error",
      `the model's metadata says feature_count "12", the declared schema 'ohlcv-core' v1 has ${FEATURE_COUNT}`,
    );
    expect(meta.details).toMatchObject({ errors: [{ code: "feature_count" }] });

    const both = await expectRejected(
      await putArtifact(u, botId, zipMapModel(12)),
      400,
      "validation_error",
      "(and 1 more, see details.errors)",
    );
    expect((both.details as { errors: unknown[] }).errors).toHaveLength(2);

    expect(await stored(u.userId, botId)).toEqual(before);
  });

  it("answers 409 for a timeframe the bot's ensemble does not use unless force=true; the active models stay", async () => {
    const u = await registerUser();
    const botId = await insertBot(u.userId);
    await putArtifact(u, botId, goodModel(), "4h");
    const before = await stored(u.userId, botId);
    const err = await expectRejected(
      await putArtifact(u, botId, goodModel(), "1d"),
      409,
      "conflict",
      "the bot's ensemble does not use 1d (it uses 15m, 1h, 4h)",
    );
    expect(err.details).toEqual({ timeframe: "1d", ensemble_timeframes: ["15m", "1h", "4h"] });
    expect(await stored(u.userId, botId)).toEqual(before);
    await expectRejected(
      await putArtifact(u, botId, goodModel(), "1d&force=false"),
      409,
      "conflict",
      "pass force=true",
    );

    const forced = await putArtifact(u, botId, goodModel(), "1d&force=true");
    expect(forced.status).toBe(201);
    expect(ModelArtifactSchema.parse(await forced.json())).toMatchObject({
      timeframe: "1d",
      version: 1,
      status: "active",
    });
    const after = await stored(u.userId, botId);
    const byKey = (a: { r2_key: string }, b: { r2_key: string }) => a.r2_key.localeCompare(b.r2_key);
    expect(after.rows.sort(byKey)).toEqual(
      [...before.rows, { version: 1, status: "active", r2_key: `models/${u.userId}/${botId}/1d/1.onnx` }].sort(byKey),
    );
  });

  it("answers 404 for another user's bot and for an unknown id, storing nothing", async () => {
    const owner = await registerUser();
    const other = await registerUser();
    const botId = await insertBot(owner.userId);
    await expectRejected(await putArtifact(other, botId, goodModel()), 404, "not_found", "bot not found");
    await expectRejected(await putArtifact(other, crypto.randomUUID(), goodModel()), 404, "not_found", "bot not found");
    expect(await stored(owner.userId, botId)).toEqual({ keys: [], rows: [] });
    expect(await stored(other.userId, botId)).toEqual({ keys: [], rows: [] });
  });

  it("requires auth, a known timeframe, the octet-stream type and a body under the cap", async () => {
    const u = await registerUser();
    const botId = await insertBot(u.userId);
    await expectRejected(await putArtifact(undefined, botId, goodModel()), 401, "unauthorized", "missing bearer token");
    await expectRejected(
      await putArtifact(u, botId, goodModel(), "3h"),
      400,
      "validation_error",
      "validation failed: the query does not match the schema",
    );
    await expectRejected(
      await putArtifact(u, botId, goodModel(), "4h", "application/json"),
      415,
      "bad_request",
      "Content-Type must be application/octet-stream",
    );
    await expectRejected(
      await putArtifact(u, botId, new Uint8Array(ARTIFACT_MAX_BYTES + 1)),
      413,
      "payload_too_large",
      `${ARTIFACT_MAX_BYTES}`,
    );
    expect(await stored(u.userId, botId)).toEqual({ keys: [], rows: [] });
  });
});
