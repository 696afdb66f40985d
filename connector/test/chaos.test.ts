import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TradeResult } from "../../core/protocol/connector";
import { mulberry32 } from "../../core/random/prng";
import { magicFor } from "../src/client-id";
import { buildBundle } from "./helpers/child-connector";
import { waitFor } from "./helpers/fake-object";
import { mt5Rig } from "./helpers/mt5-rig";

/**
 * Bounded chaos: 200 commands (100 open + close round trips on 4 concurrent lanes) through the
 * real connector process while a seeded random driver cuts its socket, SIGKILLs and restarts it,
 * and kills/restarts the terminal. Zero duplicate orders, zero lost results, positions reconciled.
 */
const PAIRS = Number(process.env.CHAOS_PAIRS ?? 100);
const LANES = 4;
const SEED = Number(process.env.CHAOS_SEED ?? 20240611);

let dir: string;
let bundle: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "et-chaos-"));
  bundle = buildBundle(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`chaos: ${PAIRS * 2} commands with socket cuts, connector kills and terminal restarts`, { timeout: 120_000 }, async () => {
  const rnd = mulberry32(SEED);
  const rig = await mt5Rig(bundle, dir, { requestTimeoutMs: 2000, heartbeatMs: 1000, reconnectMs: 30 });
  const { obj, child, sim } = rig;
  const counts = { cuts: 0, kills: 0, terminalRestarts: 0 };
  const t0 = Date.now();
  let done = false;

  // Chaos is paced by progress, not by time, so a fast machine gets as much of it as a slow one:
  // one event every 3-10 answered commands, at a random moment inside that stretch.
  const chaos = (async () => {
    let nextAt = 3 + Math.floor(rnd() * 8);
    while (!done) {
      await new Promise((r) => setTimeout(r, 5 + rnd() * 20));
      if (done) break;
      if (obj.results.size < nextAt) continue;
      nextAt = obj.results.size + 3 + Math.floor(rnd() * 8);
      const r = rnd();
      if (r < 0.5) {
        obj.cut();
        counts.cuts++;
      } else if (r < 0.85) {
        await child.kill();
        counts.kills++;
        await new Promise((res) => setTimeout(res, rnd() * 100));
        child.start();
      } else {
        sim.kill();
        counts.terminalRestarts++;
        await new Promise((res) => setTimeout(res, 50 + rnd() * 250));
        sim.restart();
      }
    }
  })();

  const result = async (command_id: string): Promise<TradeResult> => {
    await waitFor(() => obj.results.has(command_id), 45_000, `result of ${command_id}`);
    return obj.results.get(command_id)![0]!;
  };

  const opens: TradeResult[] = [];
  const closes: TradeResult[] = [];
  try {
    child.start();
    sim.start();
    await waitFor(() => obj.connected && sim.connected, 10_000, "up");
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let n = 0; n < PAIRS / LANES; n++) {
          const k = `${lane}-${n}`;
          obj.command({ type: "TRADE_OPEN", command_id: `open-${k}`, client_order_id: `co-${k}`, side: n % 2 ? "SELL" : "BUY", symbol: "EURUSD", volume: 0.01 * (lane + 1), expires_at: Date.now() + 120_000 });
          const o = await result(`open-${k}`);
          opens.push(o);
          if (!o.ok || !o.ticket) continue;
          obj.command({ type: "TRADE_CLOSE", command_id: `close-${k}`, client_order_id: `cl-${k}`, ticket: o.ticket, expires_at: Date.now() + 120_000 });
          closes.push(await result(`close-${k}`));
        }
      }),
    );
  } finally {
    done = true;
    await chaos;
  }
  const chaosMs = Date.now() - t0;

  try {
    // Quiet period: let the connector settle, then reconcile against a fresh snapshot.
    if (!child.running) child.start();
    sim.restart();
    await waitFor(() => obj.connected && sim.connected, 10_000, "settled");
    obj.send({ type: "SYNC_REQUEST", request_id: "final" });
    await waitFor(() => obj.syncs.some((s) => s.request_id === "final"), 10_000, "final sync");
    const sync = obj.syncs.find((s) => s.request_id === "final")!;

    const commandIds = [...obj.commands.keys()];
    const lost = commandIds.filter((id) => !obj.results.has(id));
    // Every answer to one command must be the same answer (re-sends, journal replays).
    const inconsistent = commandIds.filter((id) => new Set((obj.results.get(id) ?? []).map((r) => `${r.ok}|${r.ticket}|${r.price}`)).size > 1);
    const entries = sim.entriesByMagic();
    const duplicates = [...obj.commands.values()]
      .filter((c) => c.type === "TRADE_OPEN")
      .map((c) => entries.get(magicFor(String(c.client_order_id))) ?? 0)
      .filter((n) => n > 1).length;
    const closeDeals = sim.deals.filter((d) => d.entry === "out").length;
    const deliveries = [...obj.results.values()].reduce((s, l) => s + l.length, 0);
    const recovered = [...obj.results.values()].filter((l) => l[0]!.recovered).length;

    console.log(
      `[chaos] seed ${SEED}: ${commandIds.length} commands in ${chaosMs} ms; ${counts.cuts} socket cuts, ${counts.kills} connector SIGKILL+restart, ` +
        `${counts.terminalRestarts} terminal restarts, ${obj.auths} AUTHs; results delivered ${deliveries} times for ${obj.results.size} commands ` +
        `(${recovered} recovered from the broker by client id); open requests at the terminal ${sim.stats.requests.open ?? 0}, ` +
        `entry deals ${sim.deals.length - closeDeals}, exit deals ${closeDeals}; lost ${lost.length}, duplicates ${duplicates}, inconsistent ${inconsistent.length}`,
    );

    for (const r of [...opens, ...closes]) if (!r.ok) console.log(`[chaos] failed: ${JSON.stringify(r)}`);
    expect(commandIds.length).toBe(PAIRS * 2);
    expect(lost).toEqual([]);
    expect(inconsistent).toEqual([]);
    expect(duplicates).toBe(0);
    expect(opens.every((o) => o.ok)).toBe(true);
    expect(closes.every((c) => c.ok)).toBe(true);
    expect(sim.deals.filter((d) => d.entry === "in").length).toBe(PAIRS);
    expect(closeDeals).toBe(PAIRS);
    // Reconciled: nothing left open at the broker, and the snapshot says the same.
    expect(sim.positions.size).toBe(0);
    expect(sync.positions).toEqual([]);
    expect(obj.invalid).toEqual([]);
    expect(counts.kills).toBeGreaterThan(0);
    expect(counts.cuts).toBeGreaterThan(0);
  } finally {
    await rig.stop();
  }
});
