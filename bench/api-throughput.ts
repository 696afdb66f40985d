// Issue 19: `GET /api/v1/health` (public liveness) and an authenticated read (`GET /api/v1/ml/models`)
// as throughput ratios to the smallest Hono Worker (bench/hono-min-worker.ts), both under wrangler
// dev on this machine in the same run. Targets: health >= 0.8x, authenticated read >= 0.5x.
// Rounds alternate the targets so a change in machine load hits all alike. A second baseline, the
// same Worker doing one D1 read, shows the floor any route with a session check has on this
// runtime (local D1 is SQLite behind an object; each read is a round trip through workerd).
// Run: npx tsx bench/api-throughput.ts (or npm run bench -- api-throughput). Writes
// bench/results/api-throughput.json in the common shape (scripts/bench.mjs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error plain .mjs helpers shared with `npm start`
import { ensureDevVars } from "../scripts/lib/dev-vars.mjs";
// @ts-expect-error plain .mjs helpers shared with `npm start`
import { applyLocalMigrations, startWranglerDev, stopWranglerDev } from "../scripts/lib/wrangler.mjs";
import { commonMachine, freePort } from "./common-shape";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONCURRENCY = Number(process.env.THROUGHPUT_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.THROUGHPUT_SECONDS ?? 8);
const ROUNDS = Number(process.env.THROUGHPUT_ROUNDS ?? 3);
/** API_LIMITER allows 300 a minute per user: enough users that the limiter never answers. */
const USERS = Number(process.env.THROUGHPUT_USERS ?? 60);

interface Target {
  name: string;
  request: (i: number) => { url: string; headers: Record<string, string> };
}

/** Requests answered 200 per second by CONCURRENCY loops over SECONDS (other statuses counted apart). */
async function throughput(t: Target): Promise<{ rps: number; other: Record<string, number> }> {
  const until = Date.now() + SECONDS * 1000;
  let ok = 0;
  let n = 0;
  const other: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const { url, headers } = t.request(n++);
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
        else other[res.status] = (other[res.status] ?? 0) + 1;
      }
    }),
  );
  return { rps: ok / ((performance.now() - started) / 1000), other };
}

async function main() {
  ensureDevVars();
  const persistTo = mkdtempSync(join(tmpdir(), "edgetrader-throughput-"));
  applyLocalMigrations(persistTo);
  const app = await startWranglerDev({ port: await freePort(), persistTo, stdio: ["ignore", "ignore", "inherit"] });
  const basePersist = mkdtempSync(join(tmpdir(), "edgetrader-throughput-base-"));
  const base = await startWranglerDev({
    port: await freePort(),
    persistTo: basePersist,
    extraArgs: ["-c", join(ROOT, "bench/hono-min-worker.wrangler.toml")],
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    // Real users through the real register route (argon2id each), one address per user.
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const res = await fetch(`${app.url}/api/v1/auth/register`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "CF-Connecting-IP": `10.88.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        },
        body: JSON.stringify({
          email: `throughput-${i}-${Date.now()}@example.com`,
          password: "correct horse battery staple",
        }),
      });
      if (res.status !== 201) throw new Error(`register ${i}: ${res.status} ${await res.text()}`);
      tokens.push(((await res.json()) as { access_token: string }).access_token);
    }
    const targets: Target[] = [
      { name: "baseline", request: () => ({ url: `${base.url}/api/v1/health`, headers: {} }) },
      { name: "baselineD1", request: () => ({ url: `${base.url}/d1`, headers: {} }) },
      { name: "health", request: () => ({ url: `${app.url}/api/v1/health`, headers: {} }) },
      {
        name: "authed",
        request: (i) => ({
          url: `${app.url}/api/v1/ml/models`,
          headers: { Authorization: `Bearer ${tokens[i % tokens.length]}` },
        }),
      },
    ];
    for (const t of targets) await throughput({ ...t, request: t.request }); // warm-up round (isolates, JIT, D1)
    const runs: Record<string, { rps: number; other: Record<string, number> }[]> = {
      baseline: [],
      baselineD1: [],
      health: [],
      authed: [],
    };
    for (let r = 0; r < ROUNDS; r++) for (const t of targets) runs[t.name]!.push(await throughput(t));
    const mean = (name: string) => runs[name]!.reduce((s, x) => s + x.rps, 0) / runs[name]!.length;
    const [b, d, h, a] = [mean("baseline"), mean("baselineD1"), mean("health"), mean("authed")];
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const result = {
      name: "api-throughput",
      date: new Date().toISOString(),
      machine: commonMachine(),
      settings: {
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        rounds: ROUNDS,
        users: USERS,
        runtime: "wrangler dev (workerd), both Workers",
      },
      runs,
      results: [
        { metric: "smallest Hono Worker, req/s", value: round2(b), unit: "req/s" },
        { metric: "GET /api/v1/health, req/s", value: round2(h), unit: "req/s" },
        {
          metric: "GET /api/v1/health / smallest Hono Worker",
          value: round2(h / b),
          unit: "x",
          target: 0.8,
          targetOp: ">=",
        },
        { metric: "smallest Hono Worker + one D1 read, req/s", value: round2(d), unit: "req/s" },
        { metric: "GET /api/v1/ml/models (authenticated), req/s", value: round2(a), unit: "req/s" },
        {
          metric: "GET /api/v1/ml/models (authenticated) / smallest Hono Worker",
          value: round2(a / b),
          unit: "x",
          target: 0.5,
          targetOp: ">=",
        },
        {
          metric: "GET /api/v1/ml/models (authenticated) / smallest Hono Worker + one D1 read",
          value: round2(a / d),
          unit: "x",
        },
      ],
    };
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(join(ROOT, "bench/results/api-throughput.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result.results, null, 2));
  } finally {
    await stopWranglerDev(base.child);
    await stopWranglerDev(app.child);
    rmSync(persistTo, { recursive: true, force: true });
    rmSync(basePersist, { recursive: true, force: true });
  }
}

await main();
