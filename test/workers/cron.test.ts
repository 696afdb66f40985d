// The cron fan-out (worker/cron.ts): a sliding window of object calls, each handed the bots the cron
// read for its group of users in one D1 query. Cycle semantics are in cycle.test.ts.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UserBot } from "../../durable-objects/user-bot";
import { db } from "../../platform/db/client";
import { activeBotsOfRange, runCron } from "../../worker/cron";
import { createBot, d1Trades, newUser, predictorDouble, stubOf, wireObject } from "./engine-fixtures";

describe("cron fan-out", () => {
  it("reads each group's active bots in one query, per user, inactive bots left out", async () => {
    const [a, b] = [await newUser(), await newUser()];
    const a1 = await createBot(a, { cooldownMinutes: 0 });
    await createBot(a, {}, false);
    const b1 = await createBot(b, { cooldownMinutes: 0 });
    const [first, second] = [a.userId, b.userId].sort() as [string, string];
    const map = await activeBotsOfRange(db(env), [first, second]);
    expect(map.get(a.userId)?.map((x) => x.id)).toEqual([a1]);
    expect(map.get(b.userId)?.map((x) => x.id)).toEqual([b1]);
    expect(map.get(a.userId)?.[0]).toMatchObject({ userId: a.userId, symbol: "USDCHF", target: "paper" });
    // Only the users asked for, even when another user's id sorts between them.
    expect([...(await activeBotsOfRange(db(env), [first])).keys()]).toEqual([first]);
  });

  it("runs every user once with fewer slots than users; each object trades only its own bot", async () => {
    const users = [await newUser(), await newUser(), await newUser()];
    const botIds: string[] = [];
    for (const u of users) {
      const id = await createBot(u, { cooldownMinutes: 0 });
      botIds.push(id);
      await wireObject(u.userId, predictorDouble(id).fn);
    }
    const report = await runCron(env, Date.now(), { parallel: 2 });
    expect(report.failed).toBe(0);
    for (const [i, u] of users.entries()) {
      const trades = await d1Trades(u.userId);
      expect(trades).toHaveLength(1);
      expect(trades[0]).toMatchObject({ bot_id: botIds[i] });
    }
  });

  it("an object refuses bots of another user", async () => {
    const [a, b] = [await newUser(), await newUser()];
    await createBot(b);
    const bBots = (await activeBotsOfRange(db(env), [b.userId])).get(b.userId)!;
    const err = await runInDurableObject(stubOf(a.userId), async (instance: UserBot) => {
      instance.engine.core.bindUser(a.userId);
      return instance.engine.runCycles({ firedAt: Date.now(), bots: bBots }).then(
        () => "ran",
        (e: Error) => e.message,
      );
    });
    expect(err).toMatch(/another user/);
    expect(await d1Trades(a.userId)).toHaveLength(0);
  });
});
