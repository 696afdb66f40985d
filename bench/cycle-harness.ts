// Starts the bench Worker (bench/cycle-worker.ts: the real UserBot with a fixed prediction) in a
// local workerd through wrangler, as bench/inference.ts does, and applies the D1 migrations.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export async function startCycleWorker() {
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  process.env.WRANGLER_HIDE_BANNER ??= "true";
  const worker = await unstable_startWorker({
    config: here("./cycle-worker.wrangler.toml"),
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, persist: false, logLevel: (process.env.BENCH_LOG ?? "warn") as "warn" },
  });
  await worker.ready;
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

export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
