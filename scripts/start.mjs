#!/usr/bin/env node
import { spawnSync } from "node:child_process";
import { startDeltaSimProcess } from "./lib/delta-sim.mjs";
import { DEMO_REPLAY_START, seedCryptoDemo, seedDemo } from "./lib/demo.mjs";
// `npm start`: the whole platform locally and offline: dashboard build, local D1 migrations,
// wrangler dev (Worker + Durable Objects + D1 + R2 in workerd) on 127.0.0.1:$PORT (default 8787).
import { ensureDevVars } from "./lib/dev-vars.mjs";
import { applyLocalMigrations, startWranglerDev, stopWranglerDev } from "./lib/wrangler.mjs";

const port = Number(process.env.PORT ?? 8787);
// Local state (D1, R2, objects) lives in .wrangler/state unless PERSIST_TO names another folder (tests: a fresh one).
const persistTo = process.env.PERSIST_TO || undefined;
// Replay speed of the demo market: 480x real time, so a 2h bar closes every 15 s.
const replaySpeed = Number(process.env.REPLAY_SPEED ?? 480);
// The crypto demo: a local Delta server (scripts/delta-sim) replaying BTC/USDT candles, 15m candles
// at 60x (one closes every 15 s), and a BTCUSD bot on it. CRYPTO_DEMO=off leaves both out (the Worker
// then keeps wrangler.toml's Delta hosts, which need the network).
const cryptoDemo = !/^(0|off|false|no)$/i.test(process.env.CRYPTO_DEMO ?? "on");
const deltaSpeed = Number(process.env.DELTA_SIM_SPEED ?? 60);
const replayStart = process.env.REPLAY_START ?? DEMO_REPLAY_START;
const [major, minor] = process.versions.node.split(".").map(Number);
if (major !== 20 || minor < 19)
  console.warn(`! Node ${process.versions.node}: edgetrader is pinned for Node 20.19+ (wrangler 4.86).`);

const step = (msg) => console.log(`\u25b8 ${msg}`);
step("local secrets");
const vars = ensureDevVars();
console.log(`  ${vars.created ? "generated" : "using"} ${vars.path}`);
step("dashboard build");
if (spawnSync(process.execPath, ["scripts/ensure-web-dist.mjs"], { stdio: "inherit" }).status !== 0) process.exit(1);
step("D1 migrations (local)");
applyLocalMigrations(persistTo);
let delta = null;
if (cryptoDemo) {
  step(`local Delta server (replayed BTC/USDT and ETH/USDT candles, ${deltaSpeed}x)`);
  delta = await startDeltaSimProcess({ speed: deltaSpeed });
  process.on("exit", () => delta.child.kill());
  console.log(`  ${delta.url}`);
}
step(`wrangler dev on 127.0.0.1:${port} (offline)`);
const { child, url, health } = await startWranglerDev({
  port,
  persistTo,
  extraArgs: ["--var", `REPLAY_SPEED:${replaySpeed}`, "--var", `REPLAY_START:${replayStart}`, ...(delta?.vars ?? [])],
});
const stop = async () => {
  await stopWranglerDev(child);
  await delta?.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));

step("demo user and bot");
let demo;
try {
  demo = await seedDemo(url);
  // The first cycle ran during seeding, as soon as the stack was up (not at the next minute).
  for (const r of demo.firstCycle?.results ?? []) console.log(`  first cycle: ${r.outcome} (${r.reason})`);
} catch (err) {
  console.error(`  ! ${err.message}`);
}

console.log(`
  edgetrader is running: ${url}
  API: ${url}/api/v1/health (${health.status})   reference: ${url}/api/v1/docs
${
  demo
    ? `  Demo sign-in: ${demo.email} / ${demo.password}  (bot on shipped USD/CHF models, paper account,
  replay market at ${replaySpeed}x from ${replayStart}: the first cycle ran just now, then every minute;
  the market keeps its hours, so on replayed weekends (6 minutes at this speed) cycles skip as market_closed)${
    cryptoDemo
      ? `
  BTCUSD bot on replayed Delta candles (local server, ${deltaSpeed}x; CRYPTO_DEMO=off leaves it out):
  training its 15m model now, about a minute; a line below says when it trades`
      : ""
  }`
    : "  (demo seeding failed: see above)"
}
  Stop with Ctrl+C.
`);

// The crypto bot comes after the banner: its 15m model trains first, and the USD/CHF demo (and the
// sign-in above) should not wait for it. Its failure leaves USD/CHF running.
if (cryptoDemo && demo) {
  seedCryptoDemo(url, demo.token).then(
    () => console.log("  BTCUSD demo bot: 15m model trained, bot active"),
    (err) => console.error(`  ! BTCUSD demo bot: ${err instanceof Error ? err.message : err}`),
  );
}
