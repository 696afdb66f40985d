// Runs in Node before the workerd tests: the local Delta server (scripts/delta-sim) on the port the
// config bound DELTA_REST_URL / DELTA_WS_URL to. 1m candles of the real BTC/ETH files at 60x: one
// closes every real second, so reconnects, gaps and back-fills happen within a test's time.
import type { TestProject } from "vitest/node";
import { loadMarket } from "../../scripts/delta-sim/markets";
import { startDeltaSim } from "../../scripts/delta-sim/server";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = Number(process.env["DELTA_SIM_PORT"]);
  const sim = await startDeltaSim({
    markets: [loadMarket("BTCUSD"), loadMarket("ETHUSD")],
    base: "1m",
    speed: 60,
    tickMs: 100,
    history: 4000,
    port,
  });
  project.provide("deltaSimUrl", sim.url);
  return () => sim.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    deltaSimUrl: string;
  }
}
