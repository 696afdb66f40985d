// `npm start` (scripts/start.mjs) in a child process on a fresh state folder and a free port, watched
// until the demo bot's first paper trade shows in the API. Shared by the demo-start e2e test (what the
// newcomer sees) and bench/demo-start.ts (how long it takes).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TradesHistoryResponse } from "../../core/protocol/portfolio-api";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../scripts/lib/demo.mjs";
import { freePort } from "./platform";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type DemoTrade = TradesHistoryResponse["trades"][number];

export interface DemoRun {
  url: string;
  token: string;
  trade: DemoTrade;
  /** Everything start.mjs printed until the first trade. */
  output: string;
  /** start.mjs's steps ("▸ ..." lines, then the seeding cycle's "first cycle: ..."), each with the wall clock it was printed at. */
  steps: { step: string; at: number }[];
  /** Wall clock (Date.now()): spawn, "edgetrader is running" seen, first trade seen in the API. */
  startedAt: number;
  upAt: number;
  tradeAt: number;
  stop: () => Promise<void>;
}

/** Starts `npm start` and waits for the first demo trade; gives up (throws) after `patienceMs`. */
export async function startDemoUntilFirstTrade(patienceMs: number): Promise<DemoRun> {
  const persistTo = mkdtempSync(join(tmpdir(), "edgetrader-demo-start-"));
  const port = await freePort();
  const startedAt = Date.now();
  const child: ChildProcess = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), PERSIST_TO: persistTo },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const steps: DemoRun["steps"] = [];
  child.stdout?.on("data", (d) => {
    output += d;
    for (const line of String(d).split("\n")) {
      const step = /^\s*(?:\u25b8 (.+)|(first cycle: .+))$/.exec(line);
      if (step) steps.push({ step: (step[1] ?? step[2])!.trim(), at: Date.now() });
    }
  });
  child.stderr?.on("data", (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM"); // start.mjs stops its wrangler child by PID, then exits
      await done;
    }
    rmSync(persistTo, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  let upAt = 0;
  let token: string | null = null;
  try {
    while (Date.now() - startedAt < patienceMs) {
      if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`);
      if (!upAt && output.includes("edgetrader is running")) upAt = Date.now();
      if (upAt && !token) {
        const r = await fetch(`${url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
        });
        if (r.ok) token = ((await r.json()) as { access_token: string }).access_token;
      }
      if (token) {
        const h = (await (
          await fetch(`${url}/api/v1/trades/history?limit=5`, { headers: { Authorization: `Bearer ${token}` } })
        ).json()) as TradesHistoryResponse;
        const trade = h.trades.find((t) => t.bot_id !== null && t.status !== "rejected");
        if (trade) return { url, token, trade, output, steps, startedAt, upAt, tradeAt: Date.now(), stop };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no demo trade within ${patienceMs / 1000} s of npm start:\n${output}`);
  } catch (e) {
    await stop();
    throw e;
  }
}
