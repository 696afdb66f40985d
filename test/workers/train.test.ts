// Training on the edge, end to end in workerd: POST /ml/models/{id}/train queues a job in the user's
// object, the object's alarm runs it in bounded slices (driven here with runDurableObjectAlarm), the
// trained ONNX lands in R2 + model_versions as the new active version (previous retired, restorable
// with rollback) and runs in the object's onnxruntime. Plus: 404 cross-user, 400 bad body, 409
// concurrent job, and a failing job that leaves the active version untouched.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import type { Bar } from "../../core/market/bar";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { UserEventSchema } from "../../core/protocol/events";
import {
  RollbackResponseSchema,
  TrainAcceptedSchema,
  type TrainJob,
  TrainJobSchema,
} from "../../core/protocol/training";
import { BarStore } from "../../durable-objects/market/bar-store";
import type { UserBot } from "../../durable-objects/user-bot";
import { db } from "../../platform/db/client";
import { bots } from "../../platform/db/schema";
import { storeModelVersion } from "../../platform/ml/model-versions";
import { userObject } from "../../platform/object-address";
import { validLinearModel } from "../fixtures/onnx-models";
import { api, registerUser, type TestUser } from "./helpers";

async function insertBot(userId: string, symbol = "USDCHF"): Promise<string> {
  const id = crypto.randomUUID();
  await db(env).insert(bots).values({ id, userId, name: "edge-train", symbol, config: {} });
  return id;
}

/** A hand-made v1 (the version training must retire, and rollback must bring back). */
function storeV1(userId: string, botId: string, timeframe: "1d" | "4h") {
  return storeModelVersion(env, {
    userId,
    botId,
    timeframe,
    bytes: validLinearModel(FEATURE_COUNT, FEATURE_SCHEMA.hash),
    card: { source: "test-v1" },
  });
}

const post = (u: TestUser, path: string, json: unknown) => api(path, { method: "POST", token: u.accessToken, json });

async function versions(botId: string, timeframe: string) {
  const r = await env.DB.prepare(
    "SELECT version, status, r2_key, card FROM model_versions WHERE bot_id = ? AND timeframe = ? ORDER BY version",
  )
    .bind(botId, timeframe)
    .all<{ version: number; status: string; r2_key: string; card: string }>();
  return r.results;
}

/**
 * Runs the object's alarm until the job finishes. An alarm may also fire by itself (it is set a few ms
 * ahead); either way every slice is one alarm invocation, which job.slices counts.
 */
async function drive(u: TestUser, jobId: string): Promise<TrainJob> {
  const stub = userObject(env, u.userId);
  for (let i = 0; i < 500; i++) {
    const job = await stub.trainingStatus(u.userId, jobId);
    if (!job) throw new Error("job vanished");
    if (job.status === "done" || job.status === "failed") return TrainJobSchema.parse(job);
    if (!(await runDurableObjectAlarm(stub))) await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("job did not finish");
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  return ApiErrorSchema.parse(await res.json()).error;
}

describe("POST /api/v1/ml/models/{id}/train", () => {
  it("trains in alarm slices, emits ordered progress, stores a runnable ONNX version (previous retired) and rolls back", async () => {
    const u = await registerUser();
    const botId = await insertBot(u.userId);
    const v1 = await storeV1(u.userId, botId, "1d");

    const res = await post(u, `/api/v1/ml/models/${botId}/train`, {
      timeframe: "1d",
      max_trees: 12,
      trees_per_slice: 3,
      min_leaf: 20,
    });
    expect(res.status).toBe(202);
    const accepted = TrainAcceptedSchema.parse(await res.json());
    expect(accepted.status).toBe("queued");

    // A second job for the same bot and timeframe while the first is open: 409, pointing at the first.
    const dup = await expectError(
      await post(u, `/api/v1/ml/models/${botId}/train`, { timeframe: "1d" }),
      409,
      "conflict",
    );
    expect(dup.details).toEqual({ job_id: accepted.job_id });

    const job = await drive(u, accepted.job_id);
    expect(job.error).toBeNull();
    expect(job.status).toBe("done");
    // prepare + 12 trees / 3 per slice + finalize: every stage boundary is a separate alarm slice.
    expect(job.slices).toBe(1 + 4 + 1);
    expect(job.metrics.trees).toBe(12);
    expect(job.metrics.train_rows! + job.metrics.valid_rows! + job.metrics.holdout_rows!).toBeGreaterThan(400);

    // Events: one per slice, in order, progress never going back, DONE last.
    const ev = job.events;
    expect(ev.map((e) => e.type)).toEqual([...Array(5).fill("TRAINING_PROGRESS"), "TRAINING_DONE"]);
    const pcts = ev.map((e) => (e.type === "TRAINING_FAILED" ? -1 : e.data.pct));
    expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
    expect(pcts[0]).toBe(5);
    expect(pcts.at(-1)).toBe(100);
    const stages = ev.flatMap((e) => (e.type === "TRAINING_PROGRESS" ? [e.data.stage] : []));
    expect(stages).toEqual(["train", "train", "train", "train", "finalize"]);
    for (const e of ev) expect(e.data).toMatchObject({ job_id: job.job_id, bot_id: botId, timeframe: "1d" });
    const trees = ev.flatMap((e) => (e.type === "TRAINING_PROGRESS" ? [e.data.metrics?.trees] : []));
    expect(trees).toEqual([0, 3, 6, 9, 12]);
    // The same events went through the engine's event log (per-user seq, what sockets get and replay), in order.
    const logged = await runInDurableObject(userObject(env, u.userId) as DurableObjectStub<UserBot>, (instance) =>
      instance.engine.core.log.since(0),
    );
    if (!("events" in logged)) throw new Error("event log asked for a resync");
    const trainingEvents = logged.events.filter(
      (e) => e.type.startsWith("TRAINING_") && (e.data as { job_id?: string }).job_id === job.job_id,
    );
    expect(trainingEvents.map((e) => UserEventSchema.parse(e))).toEqual(trainingEvents);
    expect(trainingEvents.map((e) => ({ type: e.type, data: e.data }))).toEqual(
      ev.map((e) => ({ type: e.type, data: e.data })),
    );
    const seqs = trainingEvents.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // Result: v2 active, v1 retired (one batch), the baseline comparison stated honestly either way.
    const result = job.result!;
    expect(result).toMatchObject({
      version: 2,
      activated: true,
      retired_version: 1,
      r2_key: `models/${u.userId}/${botId}/1d/2.onnx`,
    });
    const m = job.metrics;
    expect(result.worse_than_baseline).toBe(!(m.holdout_log_loss! < m.baseline_log_loss!));
    expect(result.note).toContain(result.worse_than_baseline ? "NOT better" : "better than the baseline");
    expect(m.ort_max_abs_diff!).toBeLessThanOrEqual(1e-5);
    const rows = await versions(botId, "1d");
    expect(rows.map((r) => [r.version, r.status])).toEqual([
      [1, "retired"],
      [2, "active"],
    ]);
    const card = JSON.parse(rows[1]!.card);
    expect(card).toMatchObject({
      source: "edge-train",
      job_id: job.job_id,
      worse_than_baseline: result.worse_than_baseline,
      feature_schema: { hash: FEATURE_SCHEMA.hash },
    });
    expect(card.trainer.trees).toBe(m.best_trees);

    // The stored artifact runs in the user's object (the runtime that serves predictions).
    const obj = await env.MODELS.get(result.r2_key);
    expect(obj?.customMetadata?.["jobId"]).toBe(job.job_id);
    const input = new Float32Array(3 * FEATURE_COUNT).map((_, i) => Math.cos(i) * 0.01);
    const out = await userObject(env, u.userId).predictProbabilities(result.r2_key, input, FEATURE_COUNT);
    expect(out.ok).toBe(true);
    if (out.ok)
      for (let r = 0; r < 3; r++)
        expect(out.probabilities[3 * r]! + out.probabilities[3 * r + 1]! + out.probabilities[3 * r + 2]!).toBeCloseTo(
          1,
          5,
        );

    // The REST view is the same job; another user cannot see it.
    const view = await api(`/api/v1/ml/models/${botId}/train/${job.job_id}`, { token: u.accessToken });
    expect(view.status).toBe(200);
    expect(TrainJobSchema.parse(await view.json())).toEqual(job);
    const other = await registerUser();
    await expectError(
      await api(`/api/v1/ml/models/${botId}/train/${job.job_id}`, { token: other.accessToken }),
      404,
      "not_found",
    );

    // Rollback: v1 active again, v2 retired, in one batch; nothing older than v1 to go back to.
    const rb = await post(u, `/api/v1/ml/models/${botId}/rollback`, { timeframe: "1d" });
    expect(rb.status).toBe(200);
    expect(RollbackResponseSchema.parse(await rb.json())).toEqual({
      bot_id: botId,
      timeframe: "1d",
      active_version: 1,
      r2_key: v1.key,
      retired_version: 2,
    });
    expect((await versions(botId, "1d")).map((r) => [r.version, r.status])).toEqual([
      [1, "active"],
      [2, "retired"],
    ]);
    await expectError(await post(u, `/api/v1/ml/models/${botId}/rollback`, { timeframe: "1d" }), 409, "conflict");

    // With the job finished, a new one for the same bot/timeframe is accepted.
    const again = await post(u, `/api/v1/ml/models/${botId}/train`, { timeframe: "1d", max_trees: 3 });
    expect(again.status).toBe(202);
    const j2 = await drive(u, TrainAcceptedSchema.parse(await again.json()).job_id);
    expect(j2.result).toMatchObject({ version: 3, retired_version: 1 });
  });

  it("a job that cannot get enough bars ends TRAINING_FAILED with the reason; the active version is untouched", async () => {
    const u = await registerUser();
    const botId = await insertBot(u.userId, "TESTFX");
    const v1 = await storeV1(u.userId, botId, "4h");
    // 400 stored 4h bars of a symbol with no live source: 400 - 300 warm-up leaves ~94 labeled rows.
    const bars: Bar[] = Array.from({ length: 400 }, (_, i) => {
      const c = 1.2 + 0.01 * Math.sin(i / 7);
      return {
        time: Date.UTC(2024, 0, 1) + i * 4 * 3600_000,
        open: c,
        high: c + 0.002,
        low: c - 0.002,
        close: c + 0.0005,
      };
    });
    await runInDurableObject(userObject(env, u.userId) as DurableObjectStub<UserBot>, (_instance, state) => {
      expect(
        new BarStore(state.storage.sql, (fn) => state.storage.transactionSync(fn)).upsert("TESTFX", "4h", bars).written,
      ).toBe(400);
    });
    const keysBefore = (await env.MODELS.list({ prefix: `models/${u.userId}/` })).objects.map((o) => o.key);

    const res = await post(u, `/api/v1/ml/models/${botId}/train`, { timeframe: "4h", max_trees: 5 });
    expect(res.status).toBe(202);
    const job = await drive(u, TrainAcceptedSchema.parse(await res.json()).job_id);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "not_enough_data", stage: "prepare" });
    expect(job.error!.message).toMatch(/only \d+ labeled rows from 400 bars/);
    expect(job.events.map((e) => e.type)).toEqual(["TRAINING_FAILED"]);
    expect(job.events[0]!.data).toMatchObject({
      job_id: job.job_id,
      bot_id: botId,
      timeframe: "4h",
      code: "not_enough_data",
      stage: "prepare",
    });
    expect(job.result).toBeNull();
    expect((await versions(botId, "4h")).map((r) => [r.version, r.status, r.r2_key])).toEqual([[1, "active", v1.key]]);
    expect((await env.MODELS.list({ prefix: `models/${u.userId}/` })).objects.map((o) => o.key)).toEqual(keysBefore);

    // A symbol with no data at all fails the same way, with the market's reason.
    const none = await insertBot(u.userId, "NODATA");
    const r2 = await post(u, `/api/v1/ml/models/${none}/train`, { timeframe: "4h" });
    const j2 = await drive(u, TrainAcceptedSchema.parse(await r2.json()).job_id);
    expect(j2.error).toMatchObject({ code: "unknown_symbol", stage: "prepare" });
  });

  it("404 for another user's bot, 400 for a bad body; neither queues a job", async () => {
    const owner = await registerUser();
    const botId = await insertBot(owner.userId);
    const stranger = await registerUser();
    await expectError(await post(stranger, `/api/v1/ml/models/${botId}/train`, { timeframe: "1d" }), 404, "not_found");
    await expectError(
      await post(stranger, `/api/v1/ml/models/${botId}/rollback`, { timeframe: "1d" }),
      404,
      "not_found",
    );
    const bad = [
      {},
      { timeframe: "3h" },
      { timeframe: "1d", max_trees: 10_000 },
      { timeframe: "1d", trees_per_slice: 0 },
      { timeframe: "1d", bars: 100 },
      { timeframe: "1d", learning_rate: 2 },
      { timeframe: "1d", unknown: true },
    ];
    for (const body of bad) {
      const err = await expectError(
        await post(owner, `/api/v1/ml/models/${botId}/train`, body),
        400,
        "validation_error",
      );
      expect(err.message.length).toBeGreaterThan(0);
    }
    await expectError(
      await post(owner, `/api/v1/ml/models/${botId}/rollback`, { timeframe: "1d", extra: 1 }),
      400,
      "validation_error",
    );
    await expectError(
      await api(`/api/v1/ml/models/${botId}/train`, { method: "POST", json: { timeframe: "1d" } }),
      401,
      "unauthorized",
    );
    for (const u of [owner, stranger]) {
      const jobs = await runInDurableObject(userObject(env, u.userId) as DurableObjectStub<UserBot>, (_i, state) => {
        const t = state.storage.sql
          .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'training_jobs'`)
          .one().n;
        return t === 0 ? 0 : state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM training_jobs`).one().n;
      });
      expect(jobs).toBe(0);
    }
    // Rollback with nothing stored: 409, not a crash.
    await expectError(await post(owner, `/api/v1/ml/models/${botId}/rollback`, { timeframe: "1d" }), 409, "conflict");
  });
});
