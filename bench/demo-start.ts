// The newcomer's wait: wall time from `npm start` (scripts/start.mjs, fresh state folder) to the
// stack being up and to the demo bot's first paper trade in the API (issue 15: within 60 s on a
// fresh clone). The dashboard build is not part of it (ensured before, as on every later start).
// Run: npx tsx bench/demo-start.ts (or npm run bench -- demo-start). Writes bench/results/demo-start.json
// in the common shape; the load average at the start is in `machine` (the number needs an idle machine).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemoUntilFirstTrade } from "../test/e2e/demo-stack";
import { commonMachine } from "./common-shape";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const machine = commonMachine();
const run = await startDemoUntilFirstTrade(10 * 60_000);
await run.stop();
const s = (ms: number) => Math.round(ms / 100) / 10;
// Where the wait goes: node starting start.mjs, then each of its steps until the next (the demo
// step ends when it prints the seeding cycle's outcome, "first cycle: ...").
const steps = run.steps;
const stepRows = [
  { metric: "step: node starts start.mjs", value: s((steps[0]?.at ?? run.upAt) - run.startedAt), unit: "s" },
  ...steps.flatMap((st, i) =>
    st.step.startsWith("first cycle")
      ? []
      : [
          {
            metric: `step: ${st.step.replace(/ on 127\.0\.0\.1:\d+/, "").replace(/\s*\(.*$/, "")}`,
            value: s((steps[i + 1]?.at ?? run.upAt) - st.at),
            unit: "s",
          },
        ],
  ),
];
const out = {
  name: "demo-start",
  date: new Date().toISOString(),
  machine,
  results: [
    { metric: "npm start to stack up and demo seeded", value: s(run.upAt - run.startedAt), unit: "s" },
    {
      metric: "npm start to the demo's first paper trade",
      value: s(run.tradeAt - run.startedAt),
      unit: "s",
      target: 60,
      targetOp: "<=",
    },
    ...stepRows,
  ],
};
writeFileSync(join(ROOT, "bench", "results", "demo-start.json"), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
