import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Mt5Broker } from "../src/brokers/mt5";
import { magicFor } from "../src/client-id";
import type { ConnectorConfig } from "../src/config";
import { Connector } from "../src/connector";
import { silentLogger } from "../src/log";
import { SimTerminal } from "../src/sim-terminal";
import { FakeObject, waitFor } from "./helpers/fake-object";
import { mt5TestConfig } from "./helpers/mt5-config";

/** The real connector (in-process) + a real ws peer + the simulated terminal over real TCP. */
let obj: FakeObject;
let sim: SimTerminal;
let connector: Connector;
let dir: string;
let seq = 0;

function config(port: number, extra: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return mt5TestConfig(port, obj.token, dir, extra);
}

async function startAll(extra: Partial<ConnectorConfig> = {}) {
  const port = await obj.start();
  connector = new Connector(config(port, extra), silentLogger);
  await connector.start();
  sim = new SimTerminal({ port: (connector.broker as Mt5Broker).port, reconnectMs: 50, accountPushMs: 200 });
  sim.start();
  await waitFor(() => obj.connected && sim.connected, 5000, "connector and terminal up");
}

const later = (ms = 60_000) => Date.now() + ms;
const nextId = (p: string) => `${p}-${++seq}`;

async function open(side: "BUY" | "SELL", extra: Record<string, unknown> = {}) {
  const command_id = nextId("cmd");
  const client_order_id = nextId("co");
  obj.command({
    type: "TRADE_COMMAND",
    command_id,
    client_order_id,
    action: "OPEN",
    side,
    symbol: "EURUSD",
    lot_size: 0.1,
    expires_at: later(),
    ...extra,
  });
  await waitFor(() => obj.results.has(command_id), 5000, `result of ${command_id}`);
  return obj.results.get(command_id)![0]!;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "et-conn-"));
  obj = new FakeObject();
});

afterEach(async () => {
  await connector?.stop();
  sim?.stop();
  await obj.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("connector against a real ws peer and the simulated terminal", () => {
  it("authenticates with the token in the header and the AUTH frame, then sends a SYNC snapshot", async () => {
    await startAll();
    expect(obj.authHeaders[0]).toBe(`Bearer ${obj.token}`);
    // No permessage-deflate offered: small latency-bound frames (object-link.ts), though this server would accept it.
    expect(obj.extensionOffers).toEqual([undefined]);
    await waitFor(() => obj.syncs.length > 0, 5000, "sync");
    const sync = obj.syncs[0]!;
    expect(sync.reason).toBe("reconnect");
    expect(sync.account?.balance).toBe(10_000);
    expect(obj.invalid).toEqual([]);
  });

  it("open / modify / update SL / move breakeven / close round trips produce TRADE_RESULTs with tickets", async () => {
    await startAll();
    const opened = await open("BUY");
    expect(opened).toMatchObject({ ok: true, action: "OPEN", side: "BUY", symbol: "EURUSD", volume: 0.1 });
    const ticket = opened.ticket!;
    expect(sim.positions.get(ticket)?.magic).toBe(magicFor(opened.client_order_id));
    expect(sim.positions.get(ticket)?.comment).toBe(opened.client_order_id);

    const mod = nextId("cmd");
    obj.command({
      type: "TRADE_MODIFY",
      command_id: mod,
      client_order_id: nextId("co"),
      ticket,
      sl: 1.08,
      tp: 1.09,
      expires_at: later(),
    });
    await waitFor(() => obj.results.has(mod));
    expect(obj.results.get(mod)![0]).toMatchObject({ ok: true, action: "MODIFY", ticket, sl: 1.08, tp: 1.09 });
    expect(sim.positions.get(ticket)).toMatchObject({ sl: 1.08, tp: 1.09 });

    const upd = nextId("cmd");
    obj.command({
      type: "UPDATE_SL",
      command_id: upd,
      client_order_id: nextId("co"),
      ticket: Number(ticket),
      sl: 1.082,
      expires_at: later(),
    });
    await waitFor(() => obj.results.has(upd));
    expect(obj.results.get(upd)![0]).toMatchObject({ ok: true, ticket, sl: 1.082, tp: 1.09 });

    sim.setPrice("EURUSD", 1.0875); // in profit, so a breakeven SL sits below the bid
    const be = nextId("cmd");
    obj.command({ type: "MOVE_BREAKEVEN", command_id: be, client_order_id: nextId("co"), ticket, expires_at: later() });
    await waitFor(() => obj.results.has(be));
    expect(obj.results.get(be)![0]).toMatchObject({ ok: true, sl: opened.price });
    expect(sim.positions.get(ticket)?.sl).toBe(opened.price);

    const cl = nextId("cmd");
    obj.command({
      type: "TRADE_COMMAND",
      command_id: cl,
      client_order_id: nextId("co"),
      action: "CLOSE",
      ticket,
      expires_at: later(),
    });
    await waitFor(() => obj.results.has(cl));
    expect(obj.results.get(cl)![0]).toMatchObject({ ok: true, action: "CLOSE", ticket, volume: 0.1 });
    expect(sim.positions.has(ticket)).toBe(false);
    expect(obj.invalid).toEqual([]);
  });

  it("a broker refusal is a failed TRADE_RESULT plus a TRADE_ERROR", async () => {
    await startAll();
    const r = await open("BUY", { sl: 1.2, tp: 1.3 }); // SL above the bid: invalid stops
    expect(r).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "10016" } });
    await waitFor(() => obj.tradeErrors.length > 0);
    expect(obj.tradeErrors[0]).toMatchObject({ type: "TRADE_ERROR", command_id: r.command_id, symbol: "EURUSD" });
  });

  it("a repeated command id is answered from the journal and never executed twice", async () => {
    await startAll();
    const first = await open("SELL");
    const again = obj.commands.get(first.command_id)!;
    obj.send(again);
    obj.send(again);
    await waitFor(() => obj.results.get(first.command_id)!.length === 3);
    const answers = obj.results.get(first.command_id)!;
    expect(new Set(answers.map((a) => a.ticket))).toEqual(new Set([first.ticket]));
    expect(sim.stats.requests.open).toBe(1);
    expect(sim.entriesByMagic().get(magicFor(first.client_order_id))).toBe(1);
  });

  it("a command past expires_at is refused with an expired result and not sent", async () => {
    await startAll();
    const r = await open("BUY", { expires_at: Date.now() - 1000 });
    expect(r).toMatchObject({ ok: false, error: { code: "expired" } });
    expect(sim.stats.requests.open ?? 0).toBe(0);
  });

  it("a position opened by hand in the terminal appears in a POSITIONS_UPDATE within 5 s", async () => {
    await startAll();
    const before = obj.positionsUpdates.length;
    const ticket = sim.openManual("GBPUSD", "SELL", 0.3);
    await waitFor(
      () => obj.positionsUpdates.slice(before).some((u) => u.positions.some((p) => p.ticket === ticket)),
      5000,
      "manual position",
    );
    const update = obj.positionsUpdates.slice(before).find((u) => u.positions.some((p) => p.ticket === ticket))!;
    expect(update.positions.find((p) => p.ticket === ticket)).toMatchObject({
      manual: true,
      client_order_id: null,
      magic: 0,
      side: "SELL",
      volume: 0.3,
    });
  });

  it("STATUS_UPDATE arrives periodically with balance, equity and the terminal state", async () => {
    await startAll();
    await waitFor(() => obj.statusUpdates.some((s) => s.account !== null), 5000, "status");
    const s = obj.statusUpdates.find((x) => x.account !== null)!;
    expect(s).toMatchObject({
      terminal_connected: true,
      broker: "mt5",
      account: { balance: 10_000, equity: 10_000, currency: "USD" },
    });
    sim.kill();
    await waitFor(() => obj.statusUpdates.some((x) => !x.terminal_connected), 5000, "terminal down in status");
  });

  it("a result whose socket was cut is re-sent after reconnect until ACKed", async () => {
    await startAll();
    obj.autoAck = false;
    obj.resendOnAuth = false;
    const hold = sim.hold("open");
    const command_id = nextId("cmd");
    obj.command({
      type: "TRADE_OPEN",
      command_id,
      client_order_id: nextId("co"),
      side: "BUY",
      symbol: "EURUSD",
      volume: 0.2,
      expires_at: later(),
    });
    await hold.arrived;
    obj.cut(); // socket gone while the order is at the broker
    hold.release();
    await waitFor(() => obj.results.has(command_id), 5000, "result after reconnect");
    const authsAtFirst = obj.auths;
    expect(authsAtFirst).toBeGreaterThanOrEqual(2);
    // Not ACKed: the next reconnect delivers it again, with the same id.
    obj.cut();
    await waitFor(() => obj.auths > authsAtFirst && obj.results.get(command_id)!.length >= 2, 5000, "re-send");
    const [a, b] = obj.results.get(command_id)!;
    expect(b!.id).toBe(a!.id);
    expect(connector.journal.unacked().some((f) => f.id === a!.id)).toBe(true);
    obj.send({ type: "ACK", ids: [a!.id] });
    await waitFor(() => !connector.journal.unacked().some((f) => f.id === a!.id), 2000, "acked");
    expect(sim.stats.requests.open).toBe(1);
  });

  it("bad frames get ERROR frames and change nothing", async () => {
    await startAll();
    await waitFor(() => obj.syncs.length > 0);
    const opensBefore = sim.stats.requests.open ?? 0;
    obj.send("not json");
    obj.send(JSON.stringify({ type: "NOPE" }));
    obj.send({
      type: "TRADE_COMMAND",
      command_id: "bad-1",
      client_order_id: "co-bad",
      action: "OPEN",
      symbol: "EURUSD",
      side: "BUY",
      expires_at: later(),
    }); // no volume
    obj.send({
      type: "TRADE_OPEN",
      command_id: "bad-2",
      client_order_id: "co-bad2",
      side: "BUY",
      symbol: "EURUSD",
      volume: 0.1,
      lot_size: 0.2,
      expires_at: later(),
    });
    obj.send({ type: "ACK", ids: [] });
    await waitFor(() => obj.errors.length >= 5, 3000, "error frames");
    expect(obj.errors.map((e) => (e.type === "ERROR" ? e.code : ""))).toEqual([
      "bad_frame",
      "bad_frame",
      "bad_frame",
      "bad_frame",
      "bad_frame",
    ]);
    expect(obj.errors[2]).toMatchObject({ ref_type: "TRADE_COMMAND", ref_id: "bad-1" });
    expect(sim.stats.requests.open ?? 0).toBe(opensBefore);
    expect(connector.journal.command("bad-1")).toBeUndefined();
    expect(connector.journal.command("bad-2")).toBeUndefined();
  });

  it("a server that stops answering PINGs is dropped after two misses and reconnected", async () => {
    await startAll();
    obj.answerPings = false;
    const auths = obj.auths;
    await waitFor(() => connector.link.stats.deadLinks >= 1, 5000, "dead link detected");
    obj.answerPings = true;
    await waitFor(() => obj.auths > auths, 5000, "reconnect");
  });

  it("a refused token stops the connector instead of retrying", async () => {
    obj.revoked = true;
    const port = await obj.start();
    let fatal = "";
    connector = new Connector(config(port), silentLogger, { onFatal: (m) => (fatal = m) });
    await connector.start();
    await waitFor(() => fatal !== "", 5000, "fatal");
    expect(fatal).toContain("revoked");
    expect(connector.isFatal).toBe(true);
  });

  it("GET_POSITIONS, GET_ACCOUNT and SYNC_REQUEST are answered with their request ids", async () => {
    await startAll();
    await open("BUY");
    obj.send({ type: "GET_POSITIONS", request_id: "gp1" });
    obj.send({ type: "GET_ACCOUNT", request_id: "ga1" });
    obj.send({ type: "SYNC_REQUEST", request_id: "sr1" });
    await waitFor(
      () =>
        obj.positionsUpdates.some((u) => u.request_id === "gp1") &&
        obj.statusUpdates.some((s) => s.request_id === "ga1") &&
        obj.syncs.some((s) => s.request_id === "sr1"),
    );
    const sync = obj.syncs.find((s) => s.request_id === "sr1")!;
    expect(sync.positions.length).toBe(1);
    expect(sync.positions[0]!.manual).toBe(false);
    expect(sync.deals.some((d) => d.entry === "in" && d.client_order_id === sync.positions[0]!.client_order_id)).toBe(
      true,
    );
  });
});
