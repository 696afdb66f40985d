// Starts the bench Worker (bench/cycle-worker.ts: the real UserBot with a fixed prediction) in a
// local workerd through wrangler, as bench/inference.ts does, and applies the D1 migrations; or
// any Worker config the same way (startLocalWorker: bench/connector-flood.ts runs wrangler.toml).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { unstable_DevEnv } from "wrangler";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export async function startCycleWorker() {
  const worker = await startLocalWorker(here("./cycle-worker.wrangler.toml"), false);
  const statements = readdirSync(here("../migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(here(`../migrations/${f}`), "utf8").split("--> statement-breakpoint"))
    .map((s) => s.trim())
    .filter(Boolean);
  const res = await worker.fetch("http://bench/migrate", { method: "POST", body: JSON.stringify(statements) });
  if (!res.ok) throw new Error(`migrate: ${res.status} ${await res.text()}`);
  return worker;
}
export type CycleWorker = Awaited<ReturnType<typeof startCycleWorker>>;

/**
 * A Worker from `config` in a local workerd through wrangler (persisting to `persist`, a
 * directory, or nowhere), with `runtimeUrl`: the runtime's own socket, past wrangler dev's proxy.
 */
export async function startLocalWorker(config: string, persist: string | false) {
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  process.env.WRANGLER_HIDE_BANNER ??= "true";
  // unstable_startWorker's own steps (new DevEnv, startWorker), with one listener added: the runtime's
  // address, which wrangler hands its dev proxy when the Worker is loaded (see runtimeUrl below).
  const devEnv = new unstable_DevEnv();
  let reported: (u: { protocol: string; hostname: string; port: string }) => void = () => undefined;
  const runtimeReported = new Promise<{ protocol: string; hostname: string; port: string }>((r) => (reported = r));
  const onReloadComplete = devEnv.proxy.onReloadComplete.bind(devEnv.proxy);
  devEnv.proxy.onReloadComplete = (event) => {
    reported(event.proxyData.userWorkerUrl);
    onReloadComplete(event);
  };
  const worker = await devEnv.startWorker({
    config,
    dev: {
      server: { hostname: "127.0.0.1", port: 0 },
      inspector: false,
      watch: false,
      persist,
      logLevel: (process.env.BENCH_LOG ?? "warn") as "warn",
    },
  });
  await worker.ready;
  const runtime = await Promise.race([
    runtimeReported,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error("wrangler did not report the runtime's address (wrangler internals changed?)")),
        30_000,
      ),
    ),
  ]);
  /**
   * The runtime's own socket (workerd, behind miniflare's entry worker), without wrangler dev's
   * proxy: that proxy is a second workerd process that relays every frame, on the same 2 cores, and
   * exists only in development (it holds requests during reloads). Benches that measure the object
   * connect here; worker.url is the proxy.
   */
  const runtimeUrl = new URL(`${runtime.protocol}//${runtime.hostname}:${runtime.port}/`);
  return Object.assign(worker, { runtimeUrl });
}

export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The machine line of a result file (the cycle and fanout benches report it the same way). */
export const machineInfo = () => ({
  cpus: cpus().length,
  model: cpus()[0]?.model,
  loadavg: loadavg().map((x) => round(x)),
});

/** Writes bench/results/<name>.json and prints it. */
export function writeResult(name: string, out: unknown): void {
  mkdirSync(here("./results"), { recursive: true });
  writeFileSync(here(`./results/${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
}

/** Starts the bench Worker, runs body with it, always disposes it; a failure exits 1. */
export function runWithCycleWorker(body: (worker: CycleWorker) => Promise<void>): void {
  (async () => {
    const worker = await startCycleWorker();
    try {
      await body(worker);
    } finally {
      await worker.dispose();
    }
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
