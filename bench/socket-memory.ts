// Memory of 1,000 browser sockets on one object, with and without permessage-deflate: the resident
// set (VmRSS) of the workerd process that runs the object, before the sockets open and after five
// events went to all of them. A fresh bench Worker (bench/cycle-worker.ts) per variant, so neither
// inherits the other's allocations. The sockets go straight to the runtime (cycle-harness
// runtimeUrl); "deflate" offers compression, which miniflare's entry worker accepts locally and
// production refuses (wrangler.toml: no_web_socket_compression), so that row is what the flag saves.
// Run: npx tsx bench/socket-memory.ts. Writes bench/results/socket-memory.json (common shape).
import { mkdirSync, writeFileSync } from "node:fs";
import { platform } from "node:os";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { commonMachine } from "./common-shape";
import { startCycleWorker } from "./cycle-harness";
import { pidListeningOn, rssMb, workerdPids } from "./proc-lib";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
const settle = () => new Promise((r) => setTimeout(r, 1500));

async function measure(deflate: boolean): Promise<{ before: number; after: number; negotiated: string }> {
  const worker = await startCycleWorker();
  const sockets: WebSocket[] = [];
  try {
    const pid = pidListeningOn(Number(worker.runtimeUrl.port), workerdPids(process.pid));
    const user = `socket-memory-${deflate ? "deflate" : "plain"}`;
    await worker.fetch(`http://bench/emit?user=${user}&n=-1`); // the object exists, no sockets yet
    await settle();
    const before = rssMb(pid);
    const url = `${worker.runtimeUrl.toString().replace(/^http/, "ws")}ws?user=${user}`;
    for (let i = 0; i < SOCKETS; i += 100) {
      const batch = Array.from(
        { length: Math.min(100, SOCKETS - i) },
        () => new WebSocket(url, { perMessageDeflate: deflate }),
      );
      await Promise.all(
        batch.map((ws) => new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)))),
      );
      sockets.push(...batch);
    }
    for (let n = 0; n < 5; n++) {
      const { sockets: seen } = (await (await worker.fetch(`http://bench/emit?user=${user}&n=${n}`)).json()) as {
        sockets: number;
      };
      if (seen !== SOCKETS) throw new Error(`object sees ${seen} sockets, expected ${SOCKETS}`);
    }
    await settle();
    return { before, after: rssMb(pid), negotiated: sockets[0]!.extensions };
  } finally {
    for (const ws of sockets) ws.terminate();
    await worker.dispose();
  }
}

async function main() {
  if (platform() !== "linux") throw new Error("socket-memory reads /proc: Linux only");
  const plain = await measure(false);
  const deflate = await measure(true);
  if (plain.negotiated !== "" || !deflate.negotiated.includes("permessage-deflate"))
    throw new Error(`negotiated: plain "${plain.negotiated}", deflate "${deflate.negotiated}"`);
  const kb = (m: { before: number; after: number }) => Math.round(((m.after - m.before) * 1024) / SOCKETS);
  const out = {
    name: "socket-memory",
    date: new Date().toISOString(),
    machine: commonMachine(),
    method: `VmRSS of the object's workerd process before ${SOCKETS} sockets open and after 5 events reached them all; a fresh Worker per variant; growth / ${SOCKETS}`,
    results: [
      {
        metric: `workerd RSS growth per socket, no deflate (production: no_web_socket_compression)`,
        value: kb(plain),
        unit: "KB",
      },
      { metric: `workerd RSS growth per socket, permessage-deflate negotiated`, value: kb(deflate), unit: "KB" },
      { metric: `workerd RSS with ${SOCKETS} sockets, no deflate`, value: plain.after, unit: "MB" },
      { metric: `workerd RSS with ${SOCKETS} sockets, deflate`, value: deflate.after, unit: "MB" },
    ],
  };
  const dir = fileURLToPath(new URL("./results", import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/socket-memory.json`, `${JSON.stringify(out, null, 2)}\n`);
  for (const r of out.results) console.log(`${r.metric.padEnd(80)} ${String(r.value).padStart(8)} ${r.unit}`);
}

await main();
