// Model versions of a bot's timeframe: the ONNX artifact in R2 and its model_versions row. Shared by
// the upload route (worker/routes/model-artifacts.ts), the edge trainer (durable-objects/training)
// and rollback, so the swap rules live in one place: a new version is max+1, the artifact is put
// create-only, and retiring the old active version and inserting the new one is ONE D1 batch.
import { and, desc, eq, lt, max, sql } from "drizzle-orm";
import { FEATURE_SCHEMA } from "../../core/features/schema";
import type { Timeframe } from "../../core/market/timeframes";
import { type Db, db } from "../db/client";
import { modelVersions } from "../db/schema";
import type { Env } from "../env";

export const ONNX_CONTENT_TYPE = "application/octet-stream";

export const artifactKey = (userId: string, botId: string, timeframe: Timeframe, version: number) =>
  `models/${userId}/${botId}/${timeframe}/${version}.onnx`;

/** Another writer took the version number first (R2 create-only put or the unique index); retry. */
export class VersionConflictError extends Error {
  override readonly name = "VersionConflictError";
}

export interface StoreVersionInput {
  userId: string;
  botId: string;
  timeframe: Timeframe;
  bytes: Uint8Array;
  card: Record<string, unknown>;
  /** false stores the version as retired (kept, not live), e.g. a trained model the user must approve. */
  activate?: boolean;
  /** Extra R2 custom metadata (e.g. the training job id). */
  metadata?: Record<string, string>;
}

export interface StoredVersion {
  id: string;
  version: number;
  key: string;
  sha256: string;
  status: "active" | "retired";
  /** The version that was active before and is now retired (null when none, or when not activated). */
  retiredVersion: number | null;
  createdAt: number;
}

async function nextVersion(d: Db, botId: string, timeframe: string): Promise<number> {
  const row = await d
    .select({ v: max(modelVersions.version) })
    .from(modelVersions)
    .where(and(eq(modelVersions.botId, botId), eq(modelVersions.timeframe, timeframe)))
    .get();
  return (row?.v ?? 0) + 1;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

const activeOf = (botId: string, timeframe: string) =>
  and(eq(modelVersions.botId, botId), eq(modelVersions.timeframe, timeframe), eq(modelVersions.status, "active"));

/**
 * Stores bytes as the next version of (bot, timeframe). With `activate` (default) the previous
 * active version retires in the same D1 batch (one transaction) that inserts the new active row.
 * On a lost race nothing of ours is left behind and VersionConflictError is thrown.
 */
export async function storeModelVersion(
  env: Pick<Env, "DB" | "MODELS">,
  input: StoreVersionInput,
): Promise<StoredVersion> {
  const d = db(env);
  const { userId, botId, timeframe, bytes } = input;
  const activate = input.activate ?? true;
  const version = await nextVersion(d, botId, timeframe);
  const key = artifactKey(userId, botId, timeframe, version);
  const sha256 = await sha256Hex(bytes);
  // Create-only put: a concurrent writer that picked the same version never overwrites this one.
  const put = await env.MODELS.put(key, bytes, {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType: ONNX_CONTENT_TYPE },
    customMetadata: {
      userId,
      botId,
      timeframe,
      version: String(version),
      sha256,
      featureSchemaHash: FEATURE_SCHEMA.hash,
      ...input.metadata,
    },
  });
  if (!put)
    throw new VersionConflictError(`version ${version} of ${timeframe} was just taken by another writer; retry`);

  const active = activate
    ? await d.select({ version: modelVersions.version }).from(modelVersions).where(activeOf(botId, timeframe)).all()
    : [];
  const id = crypto.randomUUID();
  const createdAt = Date.now();
  const row = {
    id,
    userId,
    botId,
    timeframe,
    version,
    r2Key: key,
    featureSchemaHash: FEATURE_SCHEMA.hash,
    card: input.card,
    createdAt,
  };
  try {
    if (activate) {
      // One batch = one transaction: the old version retires exactly when the new one goes live.
      await d.batch([
        d.update(modelVersions).set({ status: "retired" }).where(activeOf(botId, timeframe)),
        d.insert(modelVersions).values({ ...row, status: "active" }),
      ]);
    } else {
      await d.insert(modelVersions).values({ ...row, status: "retired" });
    }
  } catch (err) {
    await env.MODELS.delete(key); // ours alone (create-only put), so removing it leaves nothing behind
    if (err instanceof Error && /UNIQUE/i.test(err.message))
      throw new VersionConflictError(`version ${version} of ${timeframe} was just taken by another writer; retry`);
    throw err;
  }
  return {
    id,
    version,
    key,
    sha256,
    status: activate ? "active" : "retired",
    retiredVersion: active.length ? Math.max(...active.map((a) => a.version)) : null,
    createdAt,
  };
}

/** The version row a training job stored (its card carries job_id), so a retried finalize never stores twice. */
export async function versionOfJob(env: Pick<Env, "DB">, botId: string, timeframe: string, jobId: string) {
  return db(env)
    .select()
    .from(modelVersions)
    .where(
      and(
        eq(modelVersions.botId, botId),
        eq(modelVersions.timeframe, timeframe),
        sql`json_extract(${modelVersions.card}, '$.job_id') = ${jobId}`,
      ),
    )
    .get();
}

export type RollbackResult =
  | { ok: true; activated: { version: number; r2Key: string }; retired: number }
  | { ok: false; reason: "no_active" | "no_previous"; message: string };

/**
 * Re-activates the newest retired version older than the active one; the active one retires in the
 * same D1 batch. Scoped by user id, so another user's bot has nothing to roll back.
 */
export async function rollbackModelVersion(
  env: Pick<Env, "DB">,
  userId: string,
  botId: string,
  timeframe: Timeframe,
): Promise<RollbackResult> {
  const d = db(env);
  const mine = and(
    eq(modelVersions.userId, userId),
    eq(modelVersions.botId, botId),
    eq(modelVersions.timeframe, timeframe),
  );
  const current = await d
    .select()
    .from(modelVersions)
    .where(and(mine, eq(modelVersions.status, "active")))
    .orderBy(desc(modelVersions.version))
    .get();
  if (!current) return { ok: false, reason: "no_active", message: `no active ${timeframe} model to roll back from` };
  const previous = await d
    .select()
    .from(modelVersions)
    .where(and(mine, eq(modelVersions.status, "retired"), lt(modelVersions.version, current.version)))
    .orderBy(desc(modelVersions.version))
    .get();
  if (!previous)
    return {
      ok: false,
      reason: "no_previous",
      message: `version ${current.version} is the oldest ${timeframe} model; nothing to roll back to`,
    };
  // One batch = one transaction: exactly one version is active before and after.
  await d.batch([
    d
      .update(modelVersions)
      .set({ status: "retired" })
      .where(and(mine, eq(modelVersions.status, "active"))),
    d
      .update(modelVersions)
      .set({ status: "active" })
      .where(and(eq(modelVersions.id, previous.id), eq(modelVersions.status, "retired"))),
  ]);
  return { ok: true, activated: { version: previous.version, r2Key: previous.r2Key }, retired: current.version };
}
