// (1) Event fan-out to 1,000 browser sockets of one object: Node opens the sockets (ws, in
// BENCH_CLIENT_THREADS worker threads, bench/fanout-clients.mjs), asks the object to append one
// event per round, and times from the request to each socket's receipt. Three socket paths in the
// same run (one object each), so their ratios compare like with like:
//   - runtime: straight to workerd, no permessage-deflate. This is the target row: production runs
//     with `no_web_socket_compression` (wrangler.toml), so no browser gets compression, and has no
//     wrangler dev proxy.
//   - dev-proxy: the same through wrangler dev's proxy (a second workerd relaying every frame).
//   - deflate: straight to workerd with deflate offered: locally miniflare's entry worker still
//     negotiates it, so this row is what the flag saves.
// (2) 1,000 users' objects cycled from one cron fire: the real worker/cron.ts over seeded users
// with an active bot each (fixed prediction; each object trades, flushes to D1, arms its alarm).
// Run: npx tsx bench/fanout.ts. Writes bench/results/fanout.json. Machine noise applies.
import { Worker } from "node:worker_threads";
import { type CycleWorker, machineInfo, quantile, round, runWithCycleWorker, writeResult } from "./cycle-harness";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
/** Unmeasured rounds first: the first rounds after 1,000 handshakes carry JIT and allocation warm-up. */
const WARMUP_ROUNDS = 5;
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const CLIENT_THREADS = Math.max(1, Math.min(SOCKETS, Number(process.env.BENCH_CLIENT_THREADS ?? 4)));
const epochNow = () => performance.timeOrigin + performance.now();

type PathName = "runtime" | "dev-proxy" | "deflate";
const PATHS: { name: PathName; viaDevProxy: boolean; deflate: boolean }[] = [
  { name: "runtime", viaDevProxy: false, deflate: false },
  { name: "dev-proxy", viaDevProxy: true, deflate: false },
  { name: "deflate", viaDevProxy: false, deflate: true },
];

// Measurement note: the receipts are taken in worker threads, not in this one: with all 1,000
// sockets here, the k-th socket's timestamp also counted this client's own work (ws framing,
// inflate, JSON) on the k-1 frames read before it. Real browsers read in parallel on their own
// machines; these threads still share the 2 cores with workerd, so the figure is an upper bound.
async function fanout(worker: CycleWorker, path: (typeof PATHS)[number]) {
  const user = `fanout-${path.name}`;
  const base = (path.viaDevProxy ? await worker.url : worker.runtimeUrl).toString().replace(/^http/, "ws");
  const arrivals = new Map<number, number[]>();
  const threads: Worker[] = [];
  await Promise.all(
    Array.from(
      { length: CLIENT_THREADS },
      (_, k) =>
        new Promise<void>((resolve, reject) => {
          const count = Math.floor(SOCKETS / CLIENT_THREADS) + (k < SOCKETS % CLIENT_THREADS ? 1 : 0);
          const w = new Worker(new URL("./fanout-clients.mjs", import.meta.url), {
            workerData: { url: `${base}ws?user=${user}`, count, deflate: path.deflate },
          });
          w.on(
            "message",
            (
              m:
                | { type: "open"; extensions: string }
                | { type: "error"; message: string }
                | { type: "arrivals"; list: number[] },
            ) => {
              if (m.type === "open") {
                // What was negotiated must match what this row claims.
                if (m.extensions.includes("permessage-deflate") !== path.deflate)
                  reject(new Error(`${path.name}: negotiated "${m.extensions}"`));
                else resolve();
              } else if (m.type === "error") reject(new Error(m.message));
              else
                for (let i = 0; i < m.list.length; i += 2) {
                  const list = arrivals.get(m.list[i]!) ?? [];
                  list.push(m.list[i + 1]!);
                  arrivals.set(m.list[i]!, list);
                }
            },
          );
          w.once("error", reject);
          threads.push(w);
        }),
    ),
  );
  try {
    // Every handshake done on our side does not mean the object counted it yet: wait until it does.
    for (let tries = 0; ; tries++) {
      const { sockets: n } = (await (await worker.fetch(`http://bench/emit?user=${user}&n=-1`)).json()) as {
        sockets: number;
      };
      if (n === SOCKETS) break;
      if (tries > 100) throw new Error(`object sees ${n} sockets, expected ${SOCKETS}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies: number[] = [];
    const perRoundP99: number[] = [];
    const objectMs: number[] = [];
    for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
      const t0 = epochNow();
      const res = await worker.fetch(`http://bench/emit?user=${user}&n=${r}`);
      const {
        seq,
        sockets: n,
        objectMs: inObject,
      } = (await res.json()) as { seq: number; sockets: number; objectMs: number };
      if (n !== SOCKETS) throw new Error(`object sees ${n} sockets, expected ${SOCKETS}`);
      const deadline = performance.now() + 10_000;
      while ((arrivals.get(seq)?.length ?? 0) < SOCKETS && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      const got = (arrivals.get(seq) ?? []).map((t) => t - t0);
      if (got.length !== SOCKETS)
        throw new Error(`${path.name} round ${r}: ${got.length}/${SOCKETS} sockets got the event`);
      if (r >= WARMUP_ROUNDS) {
        latencies.push(...got);
        perRoundP99.push(quantile(got, 0.99));
        objectMs.push(inObject);
      }
    }
    return {
      path: path.name,
      via_wrangler_dev_proxy: path.viaDevProxy,
      permessage_deflate: path.deflate,
      ms_request_to_receipt: {
        p50: round(quantile(latencies, 0.5)),
        p99: round(quantile(latencies, 0.99)),
        max: round(Math.max(...latencies)),
      },
      per_round_p99_ms: { median: round(quantile(perRoundP99, 0.5)), worst: round(Math.max(...perRoundP99)) },
      in_object_append_and_send_ms: { p50: round(quantile(objectMs, 0.5)), max: round(Math.max(...objectMs)) },
    };
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

runWithCycleWorker(async (worker) => {
  // ---- fan-out, one object per socket path ----
  const paths = [];
  for (const path of PATHS) paths.push(await fanout(worker, path));
  const primary = paths.find((p) => p.path === "runtime")!;

  // ---- 1,000 users from one cron fire ----
  for (let i = 0; i < USERS; i += 250) {
    const res = await worker.fetch("http://bench/seed", {
      method: "POST",
      body: JSON.stringify({ from: i, count: Math.min(250, USERS - i) }),
    });
    if (!res.ok) throw new Error(`seed: ${res.status} ${await res.text()}`);
  }
  const c0 = performance.now();
  const cronRes = await worker.fetch("http://bench/cron", { method: "POST" });
  const cronWall = performance.now() - c0;
  const cron = (await cronRes.json()) as {
    users: number;
    ok: number;
    failed: number;
    cycles: number;
    traded: number;
    errors: string[];
    ms: number;
  };

  const out = {
    bench: "fanout",
    machine: machineInfo(),
    fanout: {
      sockets: SOCKETS,
      rounds: ROUNDS,
      warmup_rounds: WARMUP_ROUNDS,
      ms_request_to_receipt: primary.ms_request_to_receipt,
      per_round_p99_ms: primary.per_round_p99_ms,
      in_object_append_and_send_ms: primary.in_object_append_and_send_ms,
      target_p99_ms: 100,
      client_threads: CLIENT_THREADS,
      permessage_deflate_offered: false,
      paths,
      note: `request-to-receipt: pooled over all rounds' receipts (nearest-rank). Target row: sockets straight to workerd without permessage-deflate (production: no_web_socket_compression, no dev proxy). Includes the emit request's round trip and ${CLIENT_THREADS} Node worker threads reading the sockets on the same 2 cores. 'paths' has the same measurement through wrangler dev's proxy and with deflate negotiated`,
    },
    cron: {
      users: cron.users,
      ok: cron.ok,
      failed: cron.failed,
      cycles: cron.cycles,
      traded: cron.traded,
      ms_in_worker: cron.ms,
      ms_wall: round(cronWall, 0),
      target_ms: 60_000,
      errors: cron.errors.slice(0, 3),
    },
    at: new Date().toISOString(),
  };
  writeResult("fanout", out);
});
