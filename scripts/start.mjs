#!/usr/bin/env node
// `npm start`: the whole platform locally and offline: dashboard build, local D1 migrations,
// wrangler dev (Worker + Durable Objects + D1 + R2 in workerd) on 127.0.0.1:$PORT (default 8787).
import { ensureDevVars } from "./lib/dev-vars.mjs";
import { spawnSync } from "node:child_process";
import { applyLocalMigrations, startWranglerDev, stopWranglerDev } from "./lib/wrangler.mjs";

const port = Number(process.env.PORT ?? 8787);
const [major, minor] = process.versions.node.split(".").map(Number);
if (major !== 20 || minor < 19) console.warn(`! Node ${process.versions.node}: edgetrader is pinned for Node 20.19+ (wrangler 4.86).`);

const step = (msg) => console.log(`\u25b8 ${msg}`);
step("local secrets");
const vars = ensureDevVars();
console.log(`  ${vars.created ? "generated" : "using"} ${vars.path}`);
step("dashboard build");
if (spawnSync(process.execPath, ["scripts/ensure-web-dist.mjs"], { stdio: "inherit" }).status !== 0) process.exit(1);
step("D1 migrations (local)");
applyLocalMigrations();
step(`wrangler dev on 127.0.0.1:${port} (offline)`);
const { child, url, health } = await startWranglerDev({ port });

console.log(`\n  edgetrader is running: ${url}\n  API: ${url}/api/v1/health (${health.status})  reference: ${url}/api/v1/docs\n  Stop with Ctrl+C.\n`);
const stop = async () => {
  await stopWranglerDev(child);
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));
