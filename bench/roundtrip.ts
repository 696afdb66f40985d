// Connector command round trip over loopback: object -> connector -> (simulated) MT5 terminal ->
// result -> object -> browser event. Real platform (wrangler dev), real connector process (single-file
// build, BROKER=mt5), the simulated terminal speaking the EA's line protocol, a browser-like socket.
//
// Measured at the browser socket, on one clock: from the `trade` event with status "pending" (the
// object broadcasts it when the order and its command commit, and sends the TRADE_COMMAND right
// after) to the `trade` event with status "open" (the TRADE_RESULT applied). Each measured open is
// then closed (not measured) so the position list stays small.
// Run: npx tsx bench/roundtrip.ts [iterations=200]. Writes bench/results/roundtrip.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startPlatform } from "../test/e2e/platform";
import { startRig } from "../test/e2e/rig";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ITERATIONS = Number(process.argv[2] ?? 200);
const WARMUP = 20;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const round = (v: number) => Math.round(v * 100) / 100;

async function main(): Promise<void> {
  const platform = await startPlatform("roundtrip-bench");
  const samples: number[] = [];
  try {
    // The connector dials wrangler dev directly: the rig's cuttable TCP proxy is a test device (about
    // +0-1 ms p50 here, inside the noise), not part of any deployment.
    const rig = await startRig(platform.url, { proxy: false });
    const { api, browser } = rig;
    const arrival = new Map<string, number>();
    browser.ws.on("message", (data) => {
      const t = performance.now();
      const f = JSON.parse(String(data)) as { type?: string; data?: { client_order_id?: string; status?: string } };
      if (f.type === "trade" && f.data?.client_order_id) arrival.set(`${f.data.client_order_id}:${f.data.status}`, t);
    });
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const cid = `rt-${i}`;
      const r = await api.call<{ trade: { id: string } }>("POST", "/trade", {
        side: i % 2 ? "SELL" : "BUY",
        symbol: "EURUSD",
        volume: 0.01,
        client_order_id: cid,
        target: "connector",
      });
      if (r.status !== 202) throw new Error(`trade ${cid}: ${r.status} ${JSON.stringify(r.body)}`);
      const opened = await browser.wait(
        (e) => e.type === "trade" && e.data["client_order_id"] === cid && e.data["status"] !== "pending",
        90_000,
        `result of ${cid}`,
      );
      if (opened.data["status"] !== "open")
        throw new Error(
          `${cid}: ${JSON.stringify(opened.data)}; errors ${JSON.stringify(browser.events.filter((e) => e.type === "TRADE_ERROR").slice(-3))}`,
        );
      const t0 = arrival.get(`${cid}:pending`);
      const t1 = arrival.get(`${cid}:open`);
      if (t0 === undefined || t1 === undefined) throw new Error(`missing timestamps for ${cid}`);
      if (i >= WARMUP) samples.push(t1 - t0);
      const c = await api.call("POST", `/positions/${String(opened.data["id"])}/close`, {});
      if (c.status !== 202) throw new Error(`close ${cid}: ${c.status}`);
      await browser.wait(
        (e) => e.type === "trade" && e.data["client_order_id"] === cid && e.data["status"] === "closed",
        20_000,
        `close ${cid}`,
      );
    }
    await rig.stop();
  } finally {
    await platform.stop();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const out = {
    what: "connector command round trip: object -> connector process -> simulated MT5 (EA line protocol) -> TRADE_RESULT -> object -> browser event, loopback, wrangler dev (local workerd)",
    measured: "browser-side time between the order's `trade` pending event and its `trade` open event",
    connector_dials: "wrangler dev directly (no rig TCP proxy); browser socket through wrangler dev as well",
    iterations: samples.length,
    warmup: WARMUP,
    ms: {
      p50: round(quantile(sorted, 0.5)),
      p90: round(quantile(sorted, 0.9)),
      p99: round(quantile(sorted, 0.99)),
      min: round(sorted[0]!),
      max: round(sorted.at(-1)!),
      mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    },
    targets: { p50_ms: 10, p99_ms: 50 },
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "unknown",
      loadavg_1m: round(loadavg()[0] ?? 0),
      node: process.version,
    },
    at: new Date().toISOString(),
  };
  mkdirSync(here("./results"), { recursive: true });
  writeFileSync(here("./results/roundtrip.json"), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
