#!/usr/bin/env node
// Before tests: wrangler's asset binding refuses to start without web/dist, and a stale dashboard
// would be tested by the browser tests. Rebuild when web/dist/index.html is missing or older than
// any dashboard source (web/src, web/app.config.ts, web/public, shared core/protocol types).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const builtAt = (() => {
  const index = join(root, "web", "dist", "index.html");
  return existsSync(index) ? statSync(index).mtimeMs : -1;
})();

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

const sources = ["web/src", "web/public", "web/app.config.ts", "core/protocol"].map((p) => join(root, p));
const sourceTime = Math.max(...sources.map(newest));
const reason = builtAt < 0 ? "web/dist is missing" : sourceTime > builtAt ? "web/dist is older than its sources" : null;
if (!reason) process.exit(0);

console.log(`ensure-web-dist: ${reason}; building`);
const res = spawnSync(process.execPath, [join(root, "scripts", "build-web.mjs"), "--quiet"], { stdio: "inherit" });
process.exit(res.status ?? 1);
