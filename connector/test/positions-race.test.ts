// A positions push the EA sent just before a fill, read by the connector in the same TCP chunk as
// that fill's answer: the TRADE_RESULT goes out first (the push is published a turn later), so
// the POSITIONS_UPDATE must be dated before the fill, or the object (which closes trades missing
// from a snapshot that opened at or before its `at`) would close a position that is open.
// A hand-written EA on a real socket, so the exact line order is under the test's control.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { EA_PROTOCOL_VERSION } from "../src/brokers/ea-protocol";
import { readLines } from "../src/brokers/line-socket";
import type { Mt5Broker } from "../src/brokers/mt5";
import { ConnectorConfigSchema } from "../src/config";
import { Connector } from "../src/connector";
import { silentLogger } from "../src/log";
import { SIM_SYMBOLS } from "../src/sim-symbols";
import { FakeObject, waitFor } from "./helpers/fake-object";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const SECRET = "race-test-secret-0123";
const account = {
  login: "1",
  server: "s",
  company: "c",
  currency: "USD",
  balance: 1000,
  equity: 1000,
  margin: 0,
  free_margin: 1000,
  leverage: 100,
};
const line = (v: unknown) => `${JSON.stringify(v)}\n`;

/** An EA that answers the connector's requests; an `open` is answered after a stale positions push, in one write. */
function fakeEa(port: number): Socket {
  const s = connect({ port, host: "127.0.0.1" });
  s.setNoDelay(true);
  s.on("connect", () => {
    s.write(
      line({
        event: "hello",
        protocol: EA_PROTOCOL_VERSION,
        ea_version: "race-1",
        secret: SECRET,
        terminal: {
          name: "t",
          company: "c",
          server: "s",
          login: "1",
          margin_mode: "hedging",
          connected: true,
          synced: true,
          trade_allowed: true,
        },
      }),
    );
    s.write(line({ event: "positions", synced: true, positions: [] }));
  });
  readLines(
    s,
    (text) => {
      const req = JSON.parse(text) as { id: string; op: string; volume?: number };
      const now = Date.now();
      switch (req.op) {
        case "open":
          // The push of an earlier change (no new position in it), then the fill's answer.
          s.write(
            line({ event: "positions", synced: true, positions: [] }) +
              line({
                id: req.id,
                ok: true,
                retcode: 10009,
                order: "5001",
                deal: "7001",
                position: "5001",
                position_ticket: "5001",
                price: 1.1,
                volume: req.volume,
                sl: 0,
                tp: 0,
                time_msc: now - 5,
              }),
          );
          return;
        case "positions":
          s.write(line({ id: req.id, ok: true, synced: true, positions: [] }));
          return;
        case "history":
          s.write(line({ id: req.id, ok: true, synced: true, deals: [] }));
          return;
        case "account":
          s.write(line({ id: req.id, ok: true, account, terminal_connected: true, synced: true, trade_allowed: true }));
          return;
        case "symbol":
          s.write(
            line({
              id: req.id,
              ok: true,
              info: symbolInfo("EURUSD"),
            }),
          );
          return;
        case "ping":
          s.write(line({ id: req.id, ok: true, time_msc: now }));
          return;
        default:
          s.write(line({ id: req.id, ok: true }));
      }
    },
    1 << 20,
    () => s.destroy(),
  );
  s.on("error", () => undefined);
  return s;
}

it("a POSITIONS_UPDATE read before a fill but published after its TRADE_RESULT is dated before the fill", async () => {
  const dir = mkdtempSync(join(tmpdir(), "et-race-"));
  const obj = new FakeObject();
  const port = await obj.start();
  const connector = new Connector(
    ConnectorConfigSchema.parse({
      url: `ws://127.0.0.1:${port}/api/v1/connector/ws`,
      token: obj.token,
      broker: "mt5",
      mt5BridgePort: 0,
      eaSecret: SECRET,
      mt5Login: "1",
      mt5Server: "s",
      journalDir: dir,
      heartbeatMs: 200,
      statusMs: 60_000,
      backoffBaseMs: 20,
      backoffCapMs: 200,
      retryDelayMs: 50,
      eaWaitMs: 3000,
      requestTimeoutMs: 3000,
    }),
    silentLogger,
  );
  await connector.start();
  const ea = fakeEa((connector.broker as Mt5Broker).port);
  cleanup.push(async () => {
    await connector.stop();
    ea.destroy();
    await obj.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(() => obj.connected && obj.syncs.length > 0, 5000, "connector up with its first snapshot");
  const before = obj.positionsUpdates.length;

  obj.command({
    type: "TRADE_COMMAND",
    command_id: "cmd-1",
    client_order_id: "co-1",
    action: "OPEN",
    side: "BUY",
    symbol: "EURUSD",
    volume: 0.1,
    expires_at: Date.now() + 60_000,
  });
  await waitFor(
    () => obj.results.has("cmd-1") && obj.positionsUpdates.length > before,
    5000,
    "result and the stale push",
  );
  const result = obj.results.get("cmd-1")![0]!;
  const stale = obj.positionsUpdates.slice(before).find((u) => u.positions.length === 0)!;
  expect(result).toMatchObject({ ok: true, ticket: "5001" });
  expect(obj.arrivals.indexOf("TRADE_RESULT:cmd-1")).toBeLessThan(obj.arrivals.indexOf(`POSITIONS_UPDATE:${stale.id}`));
  // Dated before the fill: the object will not read the missing ticket as "closed at the broker".
  expect(stale.at).toBeLessThan(result.executed_at!);
});

/** The EA's symbol info for a simulated symbol (its table entry without the simulator's own price fields). */
function symbolInfo(name: string) {
  const { price: _p, spread: _s, contract: _c, ...info } = SIM_SYMBOLS[name] as (typeof SIM_SYMBOLS)[string];
  return { name, ...info };
}
