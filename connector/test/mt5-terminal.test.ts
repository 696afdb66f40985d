// Issue 16: the real MT5 path. Each test is one defect of the old EA/connector pair, played against
// the simulated terminal (which speaks the EA's line protocol and behaves like MT5 where it matters:
// sync delay, lagging lists, PLACED, netting, filling modes, retcodes, symbol rules, ticket !=
// identifier, Algo Trading off, other terminals, intruders). The real connector runs in-process
// against a real ws peer (FakeObject) over real TCP.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TradeResult } from "../../core/protocol/connector";
import type { Mt5Broker } from "../src/brokers/mt5";
import { magicFor } from "../src/client-id";
import { type ConnectorConfig, ConnectorConfigSchema } from "../src/config";
import { Connector } from "../src/connector";
import { consoleLogger, silentLogger } from "../src/log";
import { SIM_EA_SECRET, SimTerminal, type SimTerminalOptions } from "../src/sim-terminal";
import { FakeObject, waitFor } from "./helpers/fake-object";
import { mt5TestConfig } from "./helpers/mt5-config";

let obj: FakeObject;
let connector: Connector | undefined;
let dir: string;
let sims: SimTerminal[] = [];
let seq = 0;

function config(port: number, extra: Partial<ConnectorConfig>): ConnectorConfig {
  return mt5TestConfig(port, obj.token, dir, {
    statusMs: 60_000,
    lookupSettleMs: 1500,
    eaHelloTimeoutMs: 1000,
    ...extra,
  });
}

const mt5 = () => connector!.broker as Mt5Broker;
const bridgePort = () => mt5().port;

function terminal(opts: Partial<SimTerminalOptions> = {}): SimTerminal {
  const sim = new SimTerminal({ port: bridgePort(), reconnectMs: 50, accountPushMs: 200, ...opts });
  sims.push(sim);
  sim.start();
  return sim;
}

async function startAll(
  simOpts: Partial<SimTerminalOptions> = {},
  extra: Partial<ConnectorConfig> = {},
): Promise<SimTerminal> {
  const port = await obj.start();
  connector = new Connector(config(port, extra), process.env.DEBUG_MT5 ? consoleLogger() : silentLogger);
  await connector.start();
  const sim = terminal(simOpts);
  await waitFor(() => obj.connected && sim.connected && mt5().terminal() !== null, 5000, "connector and terminal up");
  return sim;
}

const nextId = (p: string) => `${p}-${++seq}`;

function send(frame: Record<string, unknown>): string {
  const command_id = nextId("cmd");
  obj.command({
    command_id,
    client_order_id: nextId("co"),
    expires_at: Date.now() + 20_000,
    ...frame,
  } as unknown as Parameters<FakeObject["command"]>[0]);
  return command_id;
}

async function result(command_id: string, ms = 10_000): Promise<TradeResult> {
  await waitFor(() => obj.results.has(command_id), ms, `result of ${command_id}`);
  return obj.results.get(command_id)![0]!;
}

function open(extra: Record<string, unknown> = {}): Promise<TradeResult> {
  return result(
    send({ type: "TRADE_COMMAND", action: "OPEN", side: "BUY", symbol: "EURUSD", lot_size: 0.1, ...extra }),
  );
}

const entries = (sim: SimTerminal, r: TradeResult) => sim.entriesByMagic().get(magicFor(r.client_order_id)) ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "et-mt5-"));
  obj = new FakeObject();
  sims = [];
});

afterEach(async () => {
  await connector?.stop();
  connector = undefined;
  for (const s of sims) s.stop();
  await obj.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("issue 16: the connector against a terminal that behaves like MT5", () => {
  it("empty positions before the terminal has synced: never published, no trade closed; the snapshot after the sync lists the position", async () => {
    const sim = await startAll({ syncDelayMs: 600 });
    await waitFor(() => sim.isSynced, 3000, "first sync");
    const opened = await open();
    expect(opened.ok).toBe(true);
    sim.kill();
    const before = obj.positionsUpdates.length;
    const syncsBefore = obj.syncs.length;
    sim.restart();
    await waitFor(() => sim.connected, 3000, "terminal back");
    await sleep(300); // connected, not synced: its EA pushed { synced:false, positions: [] }
    expect(sim.isSynced).toBe(false);
    const ordinary = obj.positionsUpdates.slice(before);
    expect(ordinary.filter((u) => !u.positions.some((p) => p.ticket === opened.ticket))).toEqual([]);
    // Once synced, the connector sends a fresh snapshot that has the position.
    await waitFor(
      () =>
        obj.syncs
          .slice(syncsBefore)
          .some((s) => s.terminal_connected && s.positions.some((p) => p.ticket === opened.ticket)),
      5000,
      "snapshot after sync",
    );
    expect(obj.syncs.slice(syncsBefore).filter((s) => s.terminal_connected && s.positions.length === 0)).toEqual([]);
  });

  it("an order in doubt while the terminal is unsynced is looked up after the sync, not sent again", async () => {
    // Unsynced for longer than the lookup's settle time (1500 ms): empty lists that prove nothing
    // would, if believed, outlast the wait and make the connector send the order again.
    const sim = await startAll({ syncDelayMs: 2500 });
    await waitFor(() => sim.isSynced, 4000, "first sync");
    sim.inject({ cut: true }); // executed, then the link drops before the answer
    const id = send({ type: "TRADE_COMMAND", action: "OPEN", side: "SELL", symbol: "EURUSD", lot_size: 0.2 });
    await waitFor(() => sim.stats.orderSends === 1, 3000, "order sent");
    sim.kill();
    sim.restart(); // restarts unsynced: every list is empty (synced:false) for 2500 ms
    const r = await result(id);
    expect(r).toMatchObject({ ok: true, recovered: true, volume: 0.2 });
    expect(entries(sim, r)).toBe(1);
    expect(sim.stats.orderSends).toBe(1);
    // The connector tried to open it once: the unsynced empty lists never counted as "not executed".
    // (Believing them, it would try again after the settle time; the EA's refusal while unsynced and
    // its own idempotency check are further lines, not the one this relies on.)
    expect(connector!.executor.sent.open).toBe(1);
    expect(sim.stats.requests["open"]).toBe(1);
  });

  it("a netting account is refused with a clear message; nothing reaches the trade server", async () => {
    const sim = await startAll({ marginMode: "netting", eaRefusesNetting: false });
    const r = await open();
    expect(r).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "margin_mode" } });
    expect(r.error?.message).toMatch(/netting account/);
    expect(sim.stats.orderSends).toBe(0);
    expect(mt5().terminal()).toMatchObject({ margin_mode: "netting" });
  });

  for (const retcode of [10012, 10011, 10031, 0]) {
    it(`retcode ${retcode} after the order executed is in doubt: found by client id, reported ok, never sent twice`, async () => {
      const sim = await startAll({ listLagMs: 200 });
      sim.inject({ retcode, executed: true });
      const r = await open();
      expect(r).toMatchObject({ ok: true, recovered: true, volume: 0.1 });
      expect(sim.positions.has(r.ticket!)).toBe(true);
      expect(entries(sim, r)).toBe(1);
      expect(sim.stats.orderSends).toBe(1);
    });
  }

  it("TIMEOUT 10012 that did not execute: after the lists had time to catch up, sent again once", async () => {
    const sim = await startAll();
    sim.inject({ retcode: 10012, executed: false });
    const r = await open();
    expect(r).toMatchObject({ ok: true });
    expect(sim.stats.orderSends).toBe(2);
    expect(entries(sim, r)).toBe(1);
  });

  it("lagging lists after OrderSend: an in-doubt order is not resent before they catch up", async () => {
    const sim = await startAll({ listLagMs: 900 });
    sim.inject({ retcode: 10012, executed: true });
    const r = await open();
    expect(r).toMatchObject({ ok: true, recovered: true });
    expect(sim.stats.orderSends).toBe(1);
    expect(entries(sim, r)).toBe(1);
  });

  it("PLACED is not done: the active order is waited for, then the fill is reported with its position", async () => {
    const sim = await startAll({ placedFillMs: 2500, listLagMs: 100 });
    sim.inject({ placed: true });
    const r = await open();
    expect(r).toMatchObject({ ok: true, recovered: true, volume: 0.1 });
    expect(sim.positions.has(r.ticket!)).toBe(true);
    expect(sim.stats.orderSends).toBe(1);
    expect(entries(sim, r)).toBe(1);
  });

  it("REQUOTE, PRICE_CHANGED and PRICE_OFF are retried within a bound: a fill after two, a rejection after three", async () => {
    const sim = await startAll();
    sim.inject({ retcode: 10004, executed: false }, { retcode: 10020, executed: false });
    const r = await open();
    expect(r.ok).toBe(true);
    expect(sim.stats.orderSends).toBe(3);
    sim.inject(
      { retcode: 10021, executed: false },
      { retcode: 10021, executed: false },
      { retcode: 10021, executed: false },
    );
    const r2 = await open();
    expect(r2).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "10021" } });
    expect(sim.stats.orderSends).toBe(6);
  });

  it("final rejections (REJECT, INVALID_PRICE, MARKET_CLOSED, INVALID_VOLUME) are reported once, not resent", async () => {
    const sim = await startAll();
    for (const [retcode, code] of [
      [10006, "rejected"],
      [10015, "rejected"],
      [10018, "rejected"],
      [10014, "invalid"],
    ] as const) {
      const sends = sim.stats.orderSends;
      sim.inject({ retcode, executed: false });
      const r = await open();
      expect(r).toMatchObject({ ok: false, error: { code, broker_code: String(retcode) } });
      expect(sim.stats.orderSends).toBe(sends + 1);
    }
  });

  it("10030 INVALID_FILL is a final rejection, reported once; the symbol's own filling modes never meet it", async () => {
    const sim = await startAll();
    sim.inject({ retcode: 10030, executed: false });
    const r = await open();
    expect(r).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "10030" } });
    expect(r.error?.message).toMatch(/INVALID_FILL/);
    expect(sim.stats.orderSends).toBe(1);
    // FOK-only (XAUUSD), IOC-only (EURUSD+) and RETURN-only (GER40!) symbols: the filling is chosen per symbol.
    for (const [symbol, lot_size] of [
      ["XAUUSD", 0.01],
      ["EURUSD+", 0.01],
      ["GER40!", 1],
    ] as const)
      expect(await open({ symbol, lot_size })).toMatchObject({ ok: true, symbol });
    expect(sim.stats.orderSends).toBe(4);
  });

  it("10010 DONE_PARTIAL: the filled part is reported as the position's volume, the rest is not sent again", async () => {
    const sim = await startAll();
    sim.inject({ partial: 0.6 });
    const r = await open({ lot_size: 0.5 });
    expect(r).toMatchObject({ ok: true, volume: 0.3 });
    expect(sim.positions.get(r.ticket!)?.volume).toBe(0.3);
    expect(sim.stats.orderSends).toBe(1);
    expect(entries(sim, r)).toBe(1);
  });

  it("10036 POSITION_CLOSED: a close racing the server's own close (SL hit) reports the server's closing deal, sends nothing more", async () => {
    const sim = await startAll({ listLagMs: 400 });
    const r = await open();
    await sleep(450); // listed
    sim.setPrice("EURUSD", 1.0855);
    sim.closeAtServer(r.ticket!); // the lagging list still shows it for 400 ms
    const sends = sim.stats.orderSends;
    const cl = await result(send({ type: "TRADE_CLOSE", ticket: r.ticket }));
    const out = sim.deals.filter((d) => d.entry === "out");
    expect(out).toHaveLength(1);
    expect(cl).toMatchObject({ ok: true, recovered: true, ticket: r.ticket, price: out[0]!.price, volume: 0.1 });
    expect(sim.stats.requests["close"]).toBe(1); // answered 10036 at the terminal
    expect(sim.stats.orderSends).toBe(sends + 1);
  });

  it("10029 FROZEN: closing within the freeze level of the position's SL is refused, not retried; outside it, closed", async () => {
    const sim = await startAll();
    const r = await open({ symbol: "GER40!", lot_size: 1, sl: 17_980 });
    expect(r.ok).toBe(true);
    sim.setPrice("GER40!", 17_984); // bid 17_983.5: within 5.0 (50 points) of the SL
    const frozen = await result(send({ type: "TRADE_CLOSE", ticket: r.ticket }));
    expect(frozen).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "10029" } });
    expect(sim.positions.has(r.ticket!)).toBe(true);
    sim.setPrice("GER40!", 18_000);
    expect(await result(send({ type: "TRADE_CLOSE", ticket: r.ticket }))).toMatchObject({ ok: true });
    expect(sim.positions.has(r.ticket!)).toBe(false);
  });

  it("netting account: a reversal in the terminal (DEAL_ENTRY_INOUT) reaches the connector as MT5 reports it; bot orders stay refused", async () => {
    const sim = await startAll({ marginMode: "netting", eaRefusesNetting: false });
    const first = sim.openManual("EURUSD", "BUY", 0.3);
    await waitFor(
      () => obj.positionsUpdates.some((u) => u.positions.some((p) => p.ticket === first)),
      3000,
      "manual long listed",
    );
    const reversed = sim.openManual("EURUSD", "SELL", 0.5); // closes 0.3 long and opens 0.2 short in one deal
    expect(reversed).not.toBe(first); // POSITION_TICKET becomes the reversing order's ticket
    const pos = sim.positions.get(reversed)!;
    expect(pos).toMatchObject({ side: "SELL", volume: 0.2, identifier: first }); // POSITION_IDENTIFIER kept
    await waitFor(
      () =>
        obj.positionsUpdates.some(
          (u) => u.positions.length === 1 && u.positions[0]!.ticket === reversed && u.positions[0]!.side === "SELL",
        ),
      3000,
      "reversed position listed under its new ticket",
    );
    obj.send({ type: "SYNC_REQUEST", request_id: "after-reversal" });
    await waitFor(() => obj.syncs.some((s) => s.request_id === "after-reversal"), 3000, "sync");
    const sync = obj.syncs.find((s) => s.request_id === "after-reversal")!;
    expect(sync.positions.map((p) => [p.ticket, p.side, p.volume])).toEqual([[reversed, "SELL", 0.2]]);
    const inout = sync.deals.filter((d) => d.entry === "inout");
    expect(inout).toHaveLength(1);
    // The reversal deal names the position by its identifier; the connector reports it under the current ticket.
    expect(inout[0]).toMatchObject({ side: "SELL", volume: 0.5, position_ticket: reversed });
    expect(sync.deals.find((d) => d.entry === "in")).toMatchObject({ position_ticket: reversed, volume: 0.3 });
    // A bot order would net against this manual position: refused before it reaches the terminal.
    const r = await open();
    expect(r).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "margin_mode" } });
    expect(sim.stats.requests["open"]).toBeUndefined();
    expect(sim.positions.size).toBe(1);
  });

  it("Algo Trading off or no trade server: orders wait as terminal_unavailable (not rejected) and run once it is back; 10027 mid-request too", async () => {
    const sim = await startAll();
    sim.setAlgoTrading(false);
    await waitFor(() => mt5().terminal()?.trade_allowed === false, 3000, "trading off seen");
    const id = send({ type: "TRADE_COMMAND", action: "OPEN", side: "BUY", symbol: "EURUSD", lot_size: 0.1 });
    await sleep(400);
    expect(obj.results.has(id)).toBe(false);
    expect(sim.stats.orderSends).toBe(0);
    sim.setAlgoTrading(true);
    expect(await result(id)).toMatchObject({ ok: true });

    sim.setServerConnected(false);
    await waitFor(() => mt5().terminal()?.connected === false, 3000, "disconnect seen");
    const gone = await result(
      send({
        type: "TRADE_COMMAND",
        action: "OPEN",
        side: "BUY",
        symbol: "EURUSD",
        lot_size: 0.1,
        expires_at: Date.now() + 600,
      }),
    );
    expect(gone).toMatchObject({ ok: false, error: { code: "expired" } });
    sim.setServerConnected(true);

    sim.inject({ retcode: 10027, executed: false });
    const raced = await open();
    expect(raced.ok).toBe(true);
    expect(sim.stats.orderSends).toBe(3);
  });

  it("a terminal on another account is refused; orders reach only the pinned account", async () => {
    const port = await obj.start();
    connector = new Connector(config(port, {}), silentLogger);
    await connector.start();
    const other = terminal({ login: "7770002", server: "Live-Real" });
    await waitFor(() => mt5().refused.total > 0, 3000, "other account refused");
    expect(mt5().refused.reasons[0]).toMatch(/account 7770002 at Live-Real/);
    const pinned = terminal();
    await waitFor(() => obj.connected && mt5().terminal()?.login === "5550001", 5000, "pinned terminal linked");
    const r = await open();
    expect(r.ok).toBe(true);
    expect(pinned.positions.has(r.ticket!)).toBe(true);
    expect(other.stats.requests["open"]).toBeUndefined();
  });

  it("the first authenticated link wins: a second chart with the right secret is refused, orders stay on the first", async () => {
    const first = await startAll();
    const second = terminal({ reconnectMs: 10_000 });
    await waitFor(() => mt5().refused.total > 0, 3000, "second link refused");
    expect(mt5().refused.reasons[0]).toMatch(/already linked/);
    const r = await open();
    expect(first.positions.has(r.ticket!)).toBe(true);
    expect(second.stats.requests["open"]).toBeUndefined();
  });

  it("a local intruder (a web page's POST, a wrong secret, an injected empty list) is ignored; the EA link stays", async () => {
    const sim = await startAll();
    const opened = await open();
    const before = obj.positionsUpdates.length;
    const intruder = connect({ port: bridgePort(), host: "127.0.0.1" });
    let intruderClosed = false;
    intruder.on("error", () => undefined);
    intruder.on("close", () => (intruderClosed = true));
    intruder.resume();
    await new Promise<void>((r) => intruder.on("connect", () => r()));
    intruder.write(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\r\n{"event":"positions","synced":true,"positions":[]}\n`,
    );
    intruder.write(
      `${JSON.stringify({ event: "hello", protocol: 2, ea_version: "x", secret: "guess-guess-guess", terminal: { name: "x", company: "x", server: "Sim-Demo", login: "5550001", margin_mode: "hedging", connected: true, synced: true, trade_allowed: true } })}\n`,
    );
    intruder.write(`{"event":"positions","synced":true,"positions":[]}\n`);
    await waitFor(() => intruderClosed, 3000, "intruder dropped");
    await sleep(200);
    expect(obj.positionsUpdates.slice(before).filter((u) => u.positions.length === 0)).toEqual([]);
    expect(mt5().refused.reasons).toEqual([expect.stringMatching(/wrong secret/)]);
    expect(sim.stats.connects).toBe(1);
    const r = await open();
    expect(r.ok).toBe(true);
    expect(sim.positions.has(opened.ticket!)).toBe(true);
    // A connection that never says hello is closed after eaHelloTimeoutMs.
    const silent = connect({ port: bridgePort(), host: "127.0.0.1" });
    let silentClosed = false;
    silent.on("error", () => undefined);
    silent.on("close", () => (silentClosed = true));
    silent.resume();
    await waitFor(() => silentClosed, 3000, "silent connection closed");
    intruder.destroy();
    silent.destroy();
  });

  it("deadline: an order queued in a busy terminal past its deadline is refused there, not executed late", async () => {
    const sim = await startAll();
    sim.stall(1500);
    const r = await result(
      send({
        type: "TRADE_COMMAND",
        action: "OPEN",
        side: "BUY",
        symbol: "EURUSD",
        lot_size: 0.1,
        expires_at: Date.now() + 700,
      }),
    );
    expect(r).toMatchObject({ ok: false, error: { code: "expired" } });
    await sleep(1200);
    expect(sim.stats.orderSends).toBe(0);
    expect(sim.positions.size).toBe(0);
  });

  it("the symbol's own rules: 0.001 steps on EURUSD+, IOC-only and RETURN-only filling, GER40! tick 0.5 and stops level, XAUUSD FOK; modify answers the applied levels", async () => {
    const sim = await startAll();
    const small = await open({ symbol: "EURUSD+", lot_size: 0.005 });
    expect(small).toMatchObject({ ok: true, symbol: "EURUSD+", volume: 0.005 });
    await waitFor(
      () => obj.positionsUpdates.some((u) => u.positions.some((p) => p.symbol === "EURUSD+" && p.volume === 0.005)),
      3000,
      "suffix symbol listed",
    );
    const gold = await open({ symbol: "XAUUSD", lot_size: 0.01 });
    expect(gold.ok).toBe(true);
    const index = await open({ symbol: "GER40!", lot_size: 1, sl: 17_890.3 });
    expect(index).toMatchObject({ ok: true, volume: 1 });
    expect(sim.positions.get(index.ticket!)?.sl).toBe(17_890.5); // on the tick grid
    const mod = await result(send({ type: "TRADE_MODIFY", ticket: index.ticket, sl: 17_880.2 }));
    expect(mod).toMatchObject({ ok: true, sl: 17_880 }); // the level the terminal holds
    const tooClose = await result(send({ type: "TRADE_MODIFY", ticket: index.ticket, sl: 17_995 }));
    expect(tooClose).toMatchObject({ ok: false, error: { code: "rejected", broker_code: "10016" } });
    const fractional = await open({ symbol: "GER40!", lot_size: 0.5 });
    expect(fractional).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(sim.stats.invalid).toBe(0);
  });

  it("ticket != identifier: the result names the position's ticket as the lists do; its close and closing deal match it", async () => {
    const sim = await startAll({ ticketsDifferFromIds: true });
    const r = await open();
    const pos = sim.positions.get(r.ticket!);
    expect(pos).toBeDefined();
    expect(pos!.identifier).not.toBe(pos!.ticket);
    await waitFor(
      () =>
        obj.positionsUpdates.some((u) =>
          u.positions.some((p) => p.ticket === r.ticket && p.client_order_id === r.client_order_id),
        ),
      3000,
      "listed under its ticket",
    );
    const cl = await result(send({ type: "TRADE_CLOSE", ticket: r.ticket }));
    expect(cl).toMatchObject({ ok: true, ticket: r.ticket, volume: 0.1 });
    obj.send({ type: "SYNC_REQUEST", request_id: "after-close" });
    await waitFor(() => obj.syncs.some((s) => s.request_id === "after-close"), 3000, "sync");
    const sync = obj.syncs.find((s) => s.request_id === "after-close")!;
    expect(sync.deals.filter((d) => d.entry === "out").map((d) => d.position_ticket)).toEqual([r.ticket]);
    // The closed position's absence from the next list is no lag: that list is not dated back before its fill.
    const manual = sim.openManual("GBPUSD", "SELL", 0.3);
    await waitFor(
      () => obj.positionsUpdates.some((u) => u.positions.some((p) => p.ticket === manual)),
      3000,
      "manual position listed",
    );
    expect(obj.positionsUpdates.find((u) => u.positions.some((p) => p.ticket === manual))!.at).toBeGreaterThanOrEqual(
      cl.executed_at,
    );
  });

  it("one unreadable item is reported and left out; the rest of the list arrives, flagged as proving no close", async () => {
    const sim = await startAll();
    const r = await open();
    const good = mt5().positions();
    const list = await good;
    const before = obj.positionsUpdates.length;
    sim.sendRaw({
      event: "positions",
      synced: true,
      positions: [
        {
          ticket: list[0]!.ticket,
          identifier: list[0]!.ticket,
          symbol: "EURUSD",
          side: "BUY",
          volume: 0.1,
          open_price: list[0]!.open_price,
          current_price: 1.08,
          sl: 0,
          tp: 0,
          profit: 0,
          swap: 0,
          time_msc: 1,
          magic: magicFor(r.client_order_id),
          comment: r.client_order_id,
        },
        { ticket: "77", symbol: "EURUSD", side: "LONG", volume: -1 },
      ],
    });
    await waitFor(() => obj.positionsUpdates.length > before, 3000, "list published");
    const u = obj.positionsUpdates.slice(before).find((x) => x.unreadable === 1)!;
    expect(u.positions.map((p) => p.ticket)).toEqual([r.ticket]);
    expect(u.terminal_connected).toBe(true);
  });

  it("the hello's secret and the pinned account are required settings for broker mt5", async () => {
    await obj.start();
    const base = { url: "ws://127.0.0.1:1/api/v1/connector/ws", token: "etc_test-token-0123456789", broker: "mt5" };
    const r = ConnectorConfigSchema.safeParse(base);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path[0]).sort()).toEqual(["eaSecret", "mt5Login", "mt5Server"]);
    expect(
      ConnectorConfigSchema.safeParse({ ...base, eaSecret: SIM_EA_SECRET, mt5Login: "1", mt5Server: "s" }).success,
    ).toBe(true);
  });
});
