// The demo's promise (README, DESIGN.md): a newcomer sees the whole loop, a paper trade by the demo
// bot, right after `npm start`. This runs scripts/start.mjs itself (fresh state folder, free port) and
// asserts what makes that quick, not a wall time (bench/demo-start.ts measures it; docs/PERFORMANCE.md):
// the first cycle runs while the stack comes up (printed before "edgetrader is running", not at the
// next minute) and trades on what the models say at the bot's own threshold, from the replay start.
import { afterAll, describe, expect, it } from "vitest";
import { ActivitiesResponseSchema } from "../../core/protocol/portfolio-api";
import { DEMO_REPLAY_START } from "../../scripts/lib/demo.mjs";
import { type DemoRun, startDemoUntilFirstTrade } from "./demo-stack";

/** A bound that only stops a broken start from hanging the suite; it asserts no speed. */
const PATIENCE_MS = 10 * 60_000;

let run: DemoRun | null = null;
afterAll(async () => {
  await run?.stop();
});

describe("npm start (scripts/start.mjs)", () => {
  it(
    "the demo bot's first cycle runs as the stack comes up and makes the first paper trade, at the models' own confidence",
    async () => {
      run = await startDemoUntilFirstTrade(PATIENCE_MS);
      const { url, token, trade, output } = run;
      console.log(
        `demo start: up ${((run.upAt - run.startedAt) / 1000).toFixed(1)} s, first trade seen ${((run.tradeAt - run.startedAt) / 1000).toFixed(1)} s after spawn`,
      );
      // The first cycle ran during start-up (seeding), before the "running" banner, and traded.
      const first = output.indexOf("first cycle: ");
      expect(first, output).toBeGreaterThan(-1);
      expect(first).toBeLessThan(output.indexOf("edgetrader is running"));
      expect(output.slice(first).split("\n")[0]).toBe("first cycle: traded (executed)");
      // That trade is the one the API holds: the bot's client order id for the first decided bar.
      const acts = ActivitiesResponseSchema.parse(
        await (
          await fetch(`${url}/api/v1/activities/recent?limit=100`, { headers: { Authorization: `Bearer ${token}` } })
        ).json(),
      ).activities.sort((a, b) => a.seq - b.seq);
      const firstPrediction = acts.find((a) => a.type === "prediction" && a.bot_id === trade.bot_id);
      expect(firstPrediction).toBeDefined();
      const bar = firstPrediction!.data?.["bar_time"] as number;
      expect(trade.client_order_id).toBe(`${trade.bot_id}:${bar}`);
      // No skip before it: the first decision was a trade (no waiting for a later bar).
      const before = acts.filter((a) => a.bot_id === trade.bot_id && a.seq < firstPrediction!.seq);
      expect(before.filter((a) => a.type === "skip")).toEqual([]);
      // The models' own confidence cleared the bot's stored threshold (nothing lowered for the demo).
      const bot = (await (
        await fetch(`${url}/api/v1/ml/models/${trade.bot_id}`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { config: { execution: { confidenceThreshold: number } } };
      expect(firstPrediction!.data?.["confidence"] as number).toBeGreaterThanOrEqual(
        bot.config.execution.confidenceThreshold,
      );
      // Dated in market time, right after the replay start.
      const start = Date.parse(DEMO_REPLAY_START);
      expect(trade.opened_at).toBeGreaterThanOrEqual(start);
      expect(trade.opened_at! - start).toBeLessThan(12 * 3600_000);
    },
    PATIENCE_MS + 60_000,
  );
});
