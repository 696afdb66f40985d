// The one place a computed prediction is written to D1 (`predictions`). The auto-trading engine may
// route this through its outbox later; callers only ever call recordPrediction.
import type { Prediction } from "../../core/protocol/prediction";
import { db } from "../../platform/db/client";
import { predictions } from "../../platform/db/schema";
import type { Env } from "../../platform/env";

export async function recordPrediction(env: Pick<Env, "DB">, userId: string, p: Prediction): Promise<string> {
  const id = crypto.randomUUID();
  const { ensemble, strategy, plan, reason, threshold, featureSchemaHash } = p;
  await db(env).insert(predictions).values({
    id,
    userId,
    botId: p.botId,
    symbol: p.symbol,
    timeframe: p.timeframe,
    barTime: p.barTime,
    direction: p.direction,
    confidence: p.confidence,
    detail: { ensemble, strategy, plan, reason, threshold, featureSchemaHash },
    createdAt: p.generatedAt,
  });
  return id;
}
