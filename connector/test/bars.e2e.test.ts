import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TIMEFRAME_MS } from "../../core/market/timeframes";
import { validateBars } from "../../core/market/validate";
import { BarClosedSchema, RatesResponseSchema } from "../../core/protocol/market-data";
import type { Mt5Broker } from "../src/brokers/mt5";
import { ConnectorConfigSchema } from "../src/config";
import { Connector } from "../src/connector";
import { silentLogger } from "../src/log";
import { SIM_BRIDGE_SETTINGS, SimTerminal } from "../src/sim-terminal";
import { FakeObject, waitFor } from "./helpers/fake-object";

/** Bars end to end: fake object (real ws) <-> the real connector <-> the simulated terminal (real TCP). */
let obj: FakeObject;
let sim: SimTerminal | undefined;
let connector: Connector;
let dir: string;
/** The terminal's clock; the connector's own clock is real time, so the sim stays in the past. */
const H = TIMEFRAME_MS["1h"];
let simNow = Math.floor(Date.now() / H) * H - 50 * H + 30 * 60_000;

async function startAll(eaWaitMs = 3000, withTerminal = true) {
  const port = await obj.start();
  connector = new Connector(
    ConnectorConfigSchema.parse({
      url: `ws://127.0.0.1:${port}/api/v1/connector/ws`,
      token: obj.token,
      broker: "mt5",
      mt5BridgePort: 0,
      ...SIM_BRIDGE_SETTINGS,
      journalDir: dir,
      heartbeatMs: 200,
      statusMs: 300,
      backoffBaseMs: 20,
      backoffCapMs: 200,
      retryDelayMs: 50,
      eaWaitMs,
      requestTimeoutMs: 3000,
    }),
    silentLogger,
  );
  await connector.start();
  if (withTerminal) {
    sim = new SimTerminal({
      port: (connector.broker as Mt5Broker).port,
      reconnectMs: 50,
      accountPushMs: 200,
      now: () => simNow,
      barCheckMs: 60_000,
    });
    sim.start();
    await waitFor(() => obj.connected && sim!.connected, 5000, "connector and terminal up");
  } else {
    await waitFor(() => obj.connected, 5000, "connector up");
  }
}

async function rates(id: string, symbol: string, timeframe: "1h" | "4h", count: number) {
  obj.send({ type: "RATES_REQUEST", id, symbol, timeframe, count });
  await waitFor(() => obj.rates.some((r) => "id" in r && r.id === id), 5000, `rates ${id}`);
  return RatesResponseSchema.parse(obj.rates.find((r) => "id" in r && r.id === id));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "et-bars-"));
  obj = new FakeObject();
  simNow = Math.floor(Date.now() / H) * H - 50 * H + 30 * 60_000;
});

afterEach(async () => {
  await connector?.stop();
  sim?.stop();
  sim = undefined;
  await obj.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("bars through the connector (MT5 via the simulated terminal)", () => {
  it("answers RATES_REQUEST with validated, closed, consecutive bars from the terminal", async () => {
    await startAll();
    const r = await rates("q1", "EURUSD", "1h", 300);
    expect(r.error).toBeUndefined();
    const bars = r.bars!;
    expect(bars).toHaveLength(300);
    expect(validateBars(bars).issues).toEqual([]);
    const forming = Math.floor(simNow / H) * H;
    expect(bars.at(-1)!.time).toBe(forming - H); // newest CLOSED bar, not the forming one
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.time - bars[i - 1]!.time).toBe(H);
    expect(bars.every((b) => b.volume! > 0)).toBe(true);
    // Same minute series: a 4h bar is the aggregate of its four 1h bars.
    const r4 = await rates("q2", "EURUSD", "4h", 3);
    const b4 = r4.bars!.at(-1)!;
    const parts = bars.filter((b) => b.time >= b4.time && b.time < b4.time + 4 * H);
    expect(parts).toHaveLength(4);
    expect(b4.open).toBe(parts[0]!.open);
    expect(b4.close).toBe(parts[3]!.close);
    expect(b4.high).toBe(Math.max(...parts.map((p) => p.high)));
    expect(b4.low).toBe(Math.min(...parts.map((p) => p.low)));
    expect(b4.volume).toBe(parts.reduce((s, p) => s + p.volume!, 0));

    const unknown = await rates("q3", "NOPE", "1h", 10);
    expect(unknown.error?.code).toBe("unknown_symbol");
    expect(obj.invalid).toEqual([]);
  });

  it("forwards a bar close of a requested pair as BAR_CLOSED, and renews the subscription after a terminal restart", async () => {
    await startAll();
    const r = await rates("q1", "EURUSD", "1h", 5);
    await waitFor(() => (sim!.stats.requests["subscribe_bars"] ?? 0) >= 1, 5000, "subscribed");
    sim!.checkBars();
    expect(obj.barsClosed).toEqual([]); // nothing closed yet
    simNow += H;
    sim!.checkBars();
    await waitFor(() => obj.barsClosed.length === 1, 5000, "bar closed");
    const f = BarClosedSchema.parse(obj.barsClosed[0]);
    expect(f.symbol).toBe("EURUSD");
    expect(f.timeframe).toBe("1h");
    expect(f.bar.time).toBe(r.bars!.at(-1)!.time + H);
    // It is the same bar a later rates request returns.
    const again = await rates("q2", "EURUSD", "1h", 1);
    expect(again.bars![0]).toEqual(f.bar);

    sim!.kill();
    sim!.restart();
    await waitFor(() => (sim!.stats.requests["subscribe_bars"] ?? 0) >= 2, 5000, "re-subscribed");
    simNow += H;
    sim!.checkBars();
    await waitFor(() => obj.barsClosed.length === 2, 5000, "bar closed after restart");
    expect(BarClosedSchema.parse(obj.barsClosed[1]).bar.time).toBe(f.bar.time + H);
  });

  it("terminal down: RATES_RESPONSE carries terminal_unavailable instead of bars", async () => {
    await startAll(300, false);
    const r = await rates("q1", "EURUSD", "1h", 10);
    expect(r.bars).toBeUndefined();
    expect(r.error?.code).toBe("terminal_unavailable");
    expect(r.error?.message).toMatch(/not connected/);
  });
});
