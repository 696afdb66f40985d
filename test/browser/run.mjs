#!/usr/bin/env node
// Browser tests: builds the dashboard if stale, then runs test/browser/*.test.mjs with node:test
// (tsx loads the few web/src modules tested directly, e.g. the backoff schedule).
// Each test file starts its own wrangler dev (temp persistence) and Chromium; see harness.mjs.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

if (!existsSync(CHROMIUM)) {
  console.error(
    `browser tests: Chromium not found at ${CHROMIUM}.\n  Install it: apt-get update && apt-get install -y chromium\n  (or set CHROMIUM_PATH)`,
  );
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, "scripts", "ensure-web-dist.mjs")], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const files = readdirSync(here)
  .filter((f) => f.endsWith(".test.mjs"))
  .map((f) => join(here, f));
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...selected],
  { cwd: root, stdio: "inherit" },
);
console.log(`\nscreenshots: test-artifacts/screenshots/  wrangler log: test-artifacts/wrangler-browser.log`);
process.exit(res.status ?? 1);
