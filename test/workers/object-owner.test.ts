// Issue 18: every RPC of a user's object that reads or changes that user's data names the user, and
// an object refuses a user it was not addressed for (one assertOwner in durable-objects/user-bot.ts).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { userObject } from "../../platform/object-address";
import { newUser } from "./engine-fixtures";

describe("object ownership", () => {
  it("refuses every user-scoped RPC for a user the object was not addressed for", async () => {
    const [owner, other] = [await newUser(), await newUser()];
    const stub = userObject(env, owner.userId);
    const calls: [string, () => Promise<unknown>][] = [
      ["trainingStatus", () => stub.trainingStatus(other.userId, "job")],
      ["modelHealth", () => stub.modelHealth(other.userId)],
      ["portfolio", () => stub.portfolio(other.userId)],
      ["connectorStatus", () => stub.connectorStatus(other.userId)],
      ["latestBacktest", () => stub.latestBacktest(other.userId, "bot")],
      ["predict", () => stub.predict(other.userId, { botId: "bot", timeframe: "multi", forceRefresh: false })],
    ];
    for (const [name, call] of calls) await expect(call(), name).rejects.toThrow(/does not own this object/);
    // The owner itself is served.
    expect(await stub.trainingStatus(owner.userId, "job")).toBeNull();
    expect(await stub.modelHealth(owner.userId)).toEqual([]);
  });
});
