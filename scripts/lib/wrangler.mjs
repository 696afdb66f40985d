// Run wrangler offline: no metrics, no cf-fetch, no update check. Spawned through node directly so
// the child PID is wrangler itself (killing it cleans up workerd; killing an npx parent would not).
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
export const ROOT = join(dirname(new URL(import.meta.url).pathname), "..", "..");
export const WRANGLER_BIN = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");

export const offlineEnv = () => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  CI: process.env.CI ?? "true", // non-interactive: never prompt
});

/** Runs a wrangler command to completion; throws with its output on failure. */
export function wranglerSync(args, { quiet = false } = {}) {
  const r = spawnSync(process.execPath, [WRANGLER_BIN, ...args], { cwd: ROOT, env: offlineEnv(), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  if (!quiet) process.stdout.write(r.stdout);
  return r.stdout;
}

/** Applies D1 migrations to the local database (idempotent). */
export function applyLocalMigrations(persistTo) {
  const extra = persistTo ? ["--persist-to", persistTo] : [];
  return wranglerSync(["d1", "migrations", "apply", "DB", "--local", ...extra], { quiet: true });
}

/** Starts `wrangler dev` on 127.0.0.1:port; resolves once /api/v1/health answers. */
export async function startWranglerDev({ port, persistTo, extraArgs = [], stdio = "inherit", timeoutMs = 120_000 }) {
  const args = [WRANGLER_BIN, "dev", "--ip", "127.0.0.1", "--port", String(port), "--test-scheduled", ...extraArgs];
  if (persistTo) args.push("--persist-to", persistTo);
  const child = spawn(process.execPath, args, { cwd: ROOT, env: offlineEnv(), stdio });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.once("exit", (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`wrangler dev exited early with code ${exited}`);
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.status === 200 || res.status === 503) return { child, url, health: await res.json() };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill("SIGTERM");
  throw new Error(`wrangler dev did not become healthy within ${timeoutMs} ms`);
}

/** Stops a wrangler dev child by PID and waits for it to exit. */
export async function stopWranglerDev(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await done;
  clearTimeout(timer);
}
