// Bench-only Worker (see bench/cycle-worker.wrangler.toml): the real UserBot with a fixed
// prediction and quote, plus endpoints that time cycles inside the object, emit events to its
// sockets, seed users and run the real cron fan-out (worker/cron.ts).
import { PaperEngine } from "../core/paper/engine";
import { BotConfigSchema } from "../core/protocol/bot-config";
import type { Prediction } from "../core/protocol/prediction";
import { UserBot } from "../durable-objects/user-bot";

export { MetricsObject } from "../durable-objects/metrics";

import type { BotRef } from "../durable-objects/engine/prediction-port";
import type { Env } from "../platform/env";
import { USER_ID_HEADER } from "../platform/object-address";
import { runCron } from "../worker/cron";

const MID = 0.9;
let bar = Date.UTC(1999, 0, 4);

function fixedPrediction(botId: string, barTime: number): Prediction {
  return {
    botId,
    symbol: "USDCHF",
    timeframe: "multi",
    barTime,
    ensemble: {
      direction: "BUY",
      confidence: 0.8,
      probabilities: [0.05, 0.15, 0.8],
      healthyModels: 3,
      totalModels: 3,
      reason: "bench",
      breakdown: [],
    },
    strategy: { agreed: true, reason: "bench", checks: [] },
    direction: "BUY",
    confidence: 0.8,
    threshold: 0.7,
    plan: {
      side: "BUY",
      entry: MID,
      stopLoss: MID - 0.005,
      takeProfit: MID + 0.01,
      riskReward: 2,
      volume: 0.01,
      atr: 0.002,
    },
    reason: "ok",
    featureSchemaHash: "bench",
    generatedAt: Date.now(),
    cached: false,
  };
}

export class BenchUserBot extends UserBot {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.engine.predictor = async (bot) => ({ ok: true, prediction: fixedPrediction(bot.id, (bar += 15 * 60_000)) });
    this.engine.core.quote = (symbol) => ({ symbol, mid: MID, time: bar + 60_000 });
  }

  /** `rounds` batches of `perRound` cycles of one bot (runBot: gates, decision txn, paper fill, events, outbox rows). */
  async benchCycles(
    userId: string,
    rounds: number,
    perRound: number,
  ): Promise<{ msPerCycle: number[]; flushMs: number; traded: number }> {
    this.engine.core.bindUser(userId);
    // A fresh account per round: a real bot holds a handful of positions, not thousands.
    const freshAccount = () => {
      this.ctx.storage.sql.exec(
        `INSERT OR REPLACE INTO engine_paper (id, state) VALUES (1, ?)`,
        JSON.stringify(PaperEngine.create({ initialBalance: 1e9 }).toJSON()),
      );
      this.engine.core.paper.discard();
      this.ctx.storage.sql.exec(`DELETE FROM engine_trades`);
    };
    const bot: BotRef = {
      id: "bench-bot",
      userId,
      name: "bench",
      symbol: "USDCHF",
      target: "paper",
      config: BotConfigSchema.parse({
        symbol: "USDCHF",
        ensemble: { models: [{ timeframe: "1h", weight: 1 }] },
        execution: {
          target: "paper",
          confidenceThreshold: 0.7,
          cooldownMinutes: 0,
          dailyTradeLimit: 1000,
          cadenceMinutes: 15,
        },
      }),
    };
    const msPerCycle: number[] = [];
    let traded = 0;
    for (let r = 0; r < rounds; r++) {
      freshAccount();
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++)
        if ((await this.engine.runner.runBot(bot, { force: true })).outcome === "traded") traded++;
      msPerCycle.push((performance.now() - t0) / perRound);
    }
    const f0 = performance.now();
    while ((await this.engine.core.flush()).written > 0);
    return { msPerCycle, flushMs: performance.now() - f0, traded };
  }

  /** One event to every browser socket; returns when the sends were queued. */
  emitOne(userId: string, n: number): { seq: number; sockets: number; objectMs: number } {
    this.engine.core.bindUser(userId);
    let seq = 0;
    const t0 = performance.now();
    this.engine.core.write((tx) => {
      seq = this.engine.core.emit(tx, "STATUS_UPDATE", {
        bot_id: `bench-${n}`,
        state: "idle",
        last_result: null,
        last_reason: null,
        next_due_at: null,
      }).seq;
    });
    return { seq, sockets: this.ctx.getWebSockets("browser").length, objectMs: performance.now() - t0 };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const user = url.searchParams.get("user") ?? "bench-user";
    // The bench config binds USER_BOT to BenchUserBot (see cycle-worker.wrangler.toml).
    const stub = env.USER_BOT.get(env.USER_BOT.idFromName(user)) as unknown as DurableObjectStub<BenchUserBot>;
    switch (url.pathname) {
      case "/migrate": {
        const statements = (await request.json()) as string[];
        for (const s of statements) await env.DB.prepare(s).run();
        return Response.json({ ok: true });
      }
      case "/seed": {
        const { from, count } = (await request.json()) as { from: number; count: number };
        const now = Date.now();
        const config = JSON.stringify({
          symbol: "USDCHF",
          ensemble: { models: [{ timeframe: "1h", weight: 1 }] },
          execution: { cooldownMinutes: 0, dailyTradeLimit: 1000 },
        });
        const stmts = [];
        for (let i = from; i < from + count; i++) {
          const id = `u${String(i).padStart(6, "0")}`;
          stmts.push(
            env.DB.prepare(
              `INSERT OR IGNORE INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'x', ?)`,
            ).bind(id, `${id}@bench`, now),
          );
          stmts.push(
            env.DB.prepare(
              `INSERT OR IGNORE INTO bots (id, user_id, name, symbol, active, target, config, created_at, updated_at) VALUES (?, ?, 'b', 'USDCHF', 1, 'paper', ?, ?, ?)`,
            ).bind(`b-${id}`, id, config, now, now),
          );
        }
        await env.DB.batch(stmts);
        return Response.json({ ok: true });
      }
      case "/cron": {
        const t0 = Date.now();
        // Optional overrides (bench experiments only); the bench itself runs the real defaults.
        const opt = (k: string) => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) : undefined);
        const report = await runCron(env, Date.now(), { parallel: opt("parallel"), page: opt("page") });
        return Response.json({ ...report, ms: Date.now() - t0 });
      }
      case "/cycles": {
        const { rounds, perRound } = (await request.json()) as { rounds: number; perRound: number };
        return Response.json(await stub.benchCycles(user, rounds, perRound));
      }
      case "/emit":
        return Response.json(await stub.emitOne(user, Number(url.searchParams.get("n") ?? 0)));
      case "/ws": {
        const headers = new Headers(request.headers);
        headers.set(USER_ID_HEADER, user);
        return stub.fetch(new Request(url, { headers }));
      }
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
