// Load test against the platform as `npm start` runs it (wrangler dev, workerd, local D1/R2/DO) on
// 127.0.0.1 with a throw-away --persist-to dir. Bounded: LOAD_USERS users (registration is ~0.3 s of
// argon2id CPU each), LOAD_SECONDS of mixed API traffic from LOAD_CONCURRENCY loops, and
// LOAD_SOCKETS_PER_USER sockets per user pinging every second. Target: zero 5xx.
// Run: npx tsx bench/load.ts. Writes bench/results/load.json in the common shape (scripts/bench.mjs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
// @ts-expect-error plain .mjs helpers shared with `npm start`
import { ensureDevVars } from "../scripts/lib/dev-vars.mjs";
// @ts-expect-error plain .mjs helpers shared with `npm start`
import { applyLocalMigrations, startWranglerDev, stopWranglerDev } from "../scripts/lib/wrangler.mjs";
import { commonMachine, freePort } from "./common-shape";

const USERS = Number(process.env.LOAD_USERS ?? 20);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const SOCKETS_PER_USER = Number(process.env.LOAD_SOCKETS_PER_USER ?? 3);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface User {
  token: string;
  botId: string;
  ip: string;
}

const latencies = new Map<string, number[]>();
const statuses = new Map<string, number>();
const fiveXX: string[] = [];

async function call(
  base: string,
  route: string,
  path: string,
  init: RequestInit & { token?: string; ip: string; json?: unknown },
): Promise<{ status: number; text: string; json: () => unknown }> {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", init.ip);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  (latencies.get(route) ?? latencies.set(route, []).get(route)!).push(ms);
  statuses.set(`${route} ${res.status}`, (statuses.get(`${route} ${res.status}`) ?? 0) + 1);
  if (res.status >= 500 && fiveXX.length < 20) fiveXX.push(`${route} ${res.status} ${text.slice(0, 200)}`);
  return { status: res.status, text, json: () => JSON.parse(text) as unknown };
}

const ip = (i: number) => `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;

async function register(base: string, i: number): Promise<User> {
  const u = { ip: ip(i) };
  const reg = await call(base, "POST /auth/register", "/api/v1/auth/register", {
    method: "POST",
    ip: u.ip,
    json: { email: `load-${i}-${Date.now()}@example.com`, password: "correct horse battery staple" },
  });
  if (reg.status !== 201) throw new Error(`register ${i}: ${reg.status} ${reg.text}`);
  const token = (reg.json() as { access_token: string }).access_token;
  const bot = await call(base, "POST /ml/models", "/api/v1/ml/models", {
    method: "POST",
    ip: u.ip,
    token,
    json: { name: `load ${i}`, symbol: "USDCHF" },
  });
  if (bot.status !== 201) throw new Error(`create bot ${i}: ${bot.status} ${bot.text}`);
  return { ...u, token, botId: (bot.json() as { id: string }).id };
}

/** The mix: mostly reads, some writes (create + delete keeps each user's bot count bounded). */
const MIX: { weight: number; run: (base: string, u: User) => Promise<unknown> }[] = [
  { weight: 3, run: (b, u) => call(b, "GET /health", "/api/v1/health", { ip: u.ip }) },
  { weight: 3, run: (b, u) => call(b, "GET /me", "/api/v1/me", { ip: u.ip, token: u.token }) },
  { weight: 3, run: (b, u) => call(b, "GET /ml/models", "/api/v1/ml/models", { ip: u.ip, token: u.token }) },
  {
    weight: 3,
    run: (b, u) =>
      call(b, "GET /market/candles", "/api/v1/market/candles?symbol=USDCHF&timeframe=30m&limit=200", {
        ip: u.ip,
        token: u.token,
      }),
  },
  {
    weight: 2,
    run: (b, u) => call(b, "GET /predict", `/api/v1/predict?bot_id=${u.botId}`, { ip: u.ip, token: u.token }),
  },
  {
    weight: 1,
    run: (b, u) => call(b, "GET /portfolio/status", "/api/v1/portfolio/status", { ip: u.ip, token: u.token }),
  },
  {
    weight: 1,
    run: async (b, u) => {
      const res = await call(b, "POST /ml/models", "/api/v1/ml/models", {
        method: "POST",
        ip: u.ip,
        token: u.token,
        json: { name: "load tmp", symbol: "USDCHF" },
      });
      if (res.status === 201)
        await call(b, "DELETE /ml/models/:id", `/api/v1/ml/models/${(res.json() as { id: string }).id}`, {
          method: "DELETE",
          ip: u.ip,
          token: u.token,
        });
    },
  },
];
const totalWeight = MIX.reduce((s, m) => s + m.weight, 0);
function pick() {
  let r = Math.random() * totalWeight;
  for (const m of MIX) if ((r -= m.weight) < 0) return m;
  return MIX[0]!;
}

interface SocketStats {
  opened: number;
  failedToOpen: number;
  pongs: number;
  rtt: number[];
  unexpectedCloses: number;
  errorFrames: number;
}

function openSockets(
  base: string,
  users: User[],
  stop: { done: boolean },
): { stats: SocketStats; closeAll: () => Promise<void> } {
  const stats: SocketStats = { opened: 0, failedToOpen: 0, pongs: 0, rtt: [], unexpectedCloses: 0, errorFrames: 0 };
  const sockets: WebSocket[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const u of users) {
    for (let k = 0; k < SOCKETS_PER_USER; k++) {
      const ws = new WebSocket(`${base.replace("http", "ws")}/ws`, ["edgetrader.v1", `bearer.${u.token}`]);
      sockets.push(ws);
      const sent = new Map<string, number>();
      ws.on("open", () => {
        stats.opened++;
        let n = 0;
        timers.push(
          setInterval(() => {
            const id = `p${n++}`;
            sent.set(id, performance.now());
            ws.send(JSON.stringify({ type: "ping", id }));
          }, 1000),
        );
      });
      ws.on("message", (data) => {
        const f = JSON.parse(String(data)) as { type: string; id?: string };
        if (f.type === "pong" && f.id && sent.has(f.id)) {
          stats.pongs++;
          stats.rtt.push(performance.now() - sent.get(f.id)!);
          sent.delete(f.id);
        } else if (f.type === "error") stats.errorFrames++;
      });
      ws.on("error", () => {
        if (ws.readyState !== WebSocket.OPEN) stats.failedToOpen++;
      });
      ws.on("close", () => {
        if (!stop.done) stats.unexpectedCloses++;
      });
    }
  }
  return {
    stats,
    closeAll: async () => {
      stop.done = true;
      timers.forEach(clearInterval);
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((r) =>
              ws.readyState === WebSocket.CLOSED ? r() : (ws.once("close", () => r()), ws.close(1000, "done")),
            ),
        ),
      );
    },
  };
}

function pct(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! * 10) / 10;
}

async function main() {
  ensureDevVars();
  const persist = mkdtempSync(join(tmpdir(), "edgetrader-load-"));
  const port = await freePort();
  applyLocalMigrations(persist);
  const { child, url } = await startWranglerDev({ port, persistTo: persist, stdio: "ignore" });
  const results: { metric: string; value: number; unit: string; target?: number; targetOp?: string; pass?: boolean }[] =
    [];
  try {
    console.log(`wrangler dev pid ${child.pid} on ${url}; registering ${USERS} users`);
    const users: User[] = [];
    for (let i = 0; i < USERS; i++) users.push(await register(url, i));
    latencies.clear();
    statuses.clear();

    const stop = { done: false };
    const sockets = openSockets(url, users, stop);
    const t0 = Date.now();
    let _requests = 0;
    const deadline = t0 + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < deadline) {
          const u = users[Math.floor(Math.random() * users.length)]!;
          await pick().run(url, u);
          _requests++;
        }
      }),
    );
    const elapsed = (Date.now() - t0) / 1000;
    await sockets.closeAll();

    const total = [...statuses.values()].reduce((s, n) => s + n, 0);
    const count5xx = [...statuses.entries()]
      .filter(([k]) => Number(k.split(" ").at(-1)) >= 500)
      .reduce((s, [, n]) => s + n, 0);
    const count429 = [...statuses.entries()].filter(([k]) => k.endsWith(" 429")).reduce((s, [, n]) => s + n, 0);
    results.push(
      {
        metric: `API throughput (${CONCURRENCY} concurrent loops, ${USERS} users, ${SECONDS} s)`,
        value: Math.round((total / elapsed) * 10) / 10,
        unit: "req/s",
      },
      {
        metric: "API responses with 5xx",
        value: count5xx,
        unit: "count",
        target: 0,
        targetOp: "==",
        pass: count5xx === 0,
      },
      { metric: "API responses 429 (per-user limiter, 300/min)", value: count429, unit: "count" },
    );
    for (const [route, ms] of [...latencies.entries()].sort()) {
      results.push(
        { metric: `${route} p50 (n=${ms.length})`, value: pct(ms, 0.5), unit: "ms" },
        { metric: `${route} p95`, value: pct(ms, 0.95), unit: "ms" },
        { metric: `${route} p99`, value: pct(ms, 0.99), unit: "ms" },
      );
    }
    const s = sockets.stats;
    results.push(
      {
        metric: `sockets opened (of ${USERS * SOCKETS_PER_USER})`,
        value: s.opened,
        unit: "count",
        target: USERS * SOCKETS_PER_USER,
        targetOp: "==",
        pass: s.opened === USERS * SOCKETS_PER_USER,
      },
      { metric: "socket pongs received", value: s.pongs, unit: "count" },
      { metric: "socket ping->pong p50", value: pct(s.rtt, 0.5), unit: "ms" },
      { metric: "socket ping->pong p99", value: pct(s.rtt, 0.99), unit: "ms" },
      {
        metric: "sockets closed unexpectedly",
        value: s.unexpectedCloses,
        unit: "count",
        target: 0,
        targetOp: "==",
        pass: s.unexpectedCloses === 0,
      },
      {
        metric: "socket error frames",
        value: s.errorFrames,
        unit: "count",
        target: 0,
        targetOp: "==",
        pass: s.errorFrames === 0,
      },
    );
    const out = {
      name: "load",
      date: new Date().toISOString(),
      machine: commonMachine(),
      setup: {
        users: USERS,
        seconds: SECONDS,
        concurrency: CONCURRENCY,
        sockets_per_user: SOCKETS_PER_USER,
        target: "wrangler dev on 127.0.0.1 (same machine as the load generator)",
      },
      statuses: Object.fromEntries([...statuses.entries()].sort()),
      five_xx_samples: fiveXX,
      results,
    };
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    writeFileSync(join(ROOT, "bench", "results", "load.json"), `${JSON.stringify(out, null, 2)}\n`);
    for (const r of results)
      console.log(`${r.metric.padEnd(64)} ${String(r.value).padStart(9)} ${r.unit}${r.pass === false ? "  FAIL" : ""}`);
    console.log(JSON.stringify(out.statuses));
    if (fiveXX.length) console.log("5xx samples:", fiveXX);
  } finally {
    await stopWranglerDev(child);
    rmSync(persist, { recursive: true, force: true });
  }
}

await main();
