// Issue 18: every RPC of a user's object that reads or changes that user's data names the user, and
// an object refuses a user it was not addressed for (one assertOwner in durable-objects/user-bot.ts).
//
// The refusals are called on the instance inside the object (runInDurableObject), not through the
// stub: in @cloudflare/vitest-pool-workers every Durable Object RPC that rejects leaks one unhandled
// rejection even when the test awaits it (cloudflare/workers-sdk#14736, #7707), which fails the run.
// The method bodies are the same ones the stub reaches; the owner's own calls still go through RPC.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UserBot } from "../../durable-objects/user-bot";
import { newUser, stubOf } from "./engine-fixtures";

describe("object ownership", () => {
  it("refuses every user-scoped RPC for a user the object was not addressed for", async () => {
    const [owner, other] = [await newUser(), await newUser()];
    const stub = stubOf(owner.userId);
    const refusals = await runInDurableObject(stub, async (obj: UserBot) => {
      const calls: [string, () => unknown][] = [
        ["trainingStatus", () => obj.trainingStatus(other.userId, "job")],
        ["modelHealth", () => obj.modelHealth(other.userId)],
        ["portfolio", () => obj.portfolio(other.userId)],
        ["connectorStatus", () => obj.connectorStatus(other.userId)],
        ["openPositions", () => obj.openPositions(other.userId)],
        ["latestBacktest", () => obj.latestBacktest(other.userId, "bot")],
        ["predict", () => obj.predict(other.userId, { botId: "bot", timeframe: "multi", forceRefresh: false })],
      ];
      const out: Record<string, string> = {};
      for (const [name, call] of calls) {
        try {
          await call();
          out[name] = "served";
        } catch (e) {
          out[name] = e instanceof Error ? e.message : String(e);
        }
      }
      return out;
    });
    for (const [name, message] of Object.entries(refusals)) expect(message, name).toMatch(/does not own this object/);
    expect(Object.keys(refusals)).toHaveLength(7);
    // The owner itself is served, through the stub.
    expect(await stub.trainingStatus(owner.userId, "job")).toBeNull();
    expect(await stub.modelHealth(owner.userId)).toEqual([]);
  });
});
