// One bot's auto-trading cycle inside the user's object, excluding market-data and model I/O (a
// fixed prediction and quote): gates, the decision transaction (per-bar key, paper fill, trade +
// position rows, events, outbox rows). Run: npx tsx bench/cycle.ts. Writes bench/results/cycle.json.
// workerd's clock moves in 1 ms steps, so each sample is a batch of cycles divided by its size.
import { machineInfo, quantile, round, runWithCycleWorker, writeResult } from "./cycle-harness";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 20);

runWithCycleWorker(async (worker) => {
  // Warm-up (isolate, SQLite tables, zod schemas), then the measured run.
  await worker.fetch("http://bench/cycles?user=warm", {
    method: "POST",
    body: JSON.stringify({ rounds: 2, perRound: 20 }),
  });
  const res = await worker.fetch("http://bench/cycles?user=bench", {
    method: "POST",
    body: JSON.stringify({ rounds: ROUNDS, perRound: PER_ROUND }),
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  const r = (await res.json()) as { msPerCycle: number[]; flushMs: number; traded: number };
  const out = {
    bench: "cycle",
    what: "one bot's cycle inside the object (runBot), fixed prediction + quote; D1 flush timed separately",
    machine: machineInfo(),
    rounds: ROUNDS,
    cycles_per_round: PER_ROUND,
    traded: r.traded,
    ms_per_cycle: {
      p50: round(quantile(r.msPerCycle, 0.5), 3),
      p90: round(quantile(r.msPerCycle, 0.9), 3),
      max: round(Math.max(...r.msPerCycle), 3),
    },
    target_p50_ms: 10,
    flush_ms_for_all_rows: round(r.flushMs, 1),
    at: new Date().toISOString(),
  };
  writeResult("cycle", out);
});
