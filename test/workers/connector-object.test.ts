// The object side of the connector socket, through the real Worker route and the user's object:
// tokens from the API, frames validated by the shared schemas, results applied exactly once.

import { env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ObjectToConnectorFrame, ObjectToConnectorFrameSchema } from "../../core/protocol/connector";
import { CreatedConnectorTokenSchema } from "../../core/protocol/connector-tokens";
import { type UserEvent, UserEventSchema } from "../../core/protocol/events";
import { ExecutionResultSchema } from "../../core/protocol/portfolio-api";
import { PositionCommandAcceptedSchema } from "../../core/protocol/position-commands";
import { AUTH_DEADLINE_MS, TERMINAL_HOLD_MS } from "../../durable-objects/connector/hub";
import type { UserBot } from "../../durable-objects/user-bot";
import { userObject } from "../../platform/object-address";
import { authedFetch, BASE, registerUser, type TestUser } from "./helpers";

type Frame = Record<string, unknown> & { type: string };

/** A socket client that queues frames and waits for one matching a predicate. */
function client(ws: WebSocket) {
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  let closed: { code: number; reason: string } | null = null;
  const closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  ws.addEventListener("message", (e) => {
    const f = JSON.parse(e.data as string) as Frame;
    const i = waiters.findIndex((w) => w.pred(f));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(f);
    else frames.push(f);
  });
  ws.addEventListener("close", (e) => {
    closed = { code: e.code, reason: e.reason };
    for (const w of closeWaiters.splice(0)) w(closed);
  });
  ws.accept();
  return {
    ws,
    frames,
    send: (f: unknown) => ws.send(typeof f === "string" ? f : JSON.stringify(f)),
    next(pred: (f: Frame) => boolean = () => true): Promise<Frame> {
      const i = frames.findIndex(pred);
      if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    closed: (): Promise<{ code: number; reason: string }> =>
      closed ? Promise.resolve(closed) : new Promise((r) => closeWaiters.push(r)),
  };
}
type Client = ReturnType<typeof client>;

async function newToken(u: TestUser, name = "host") {
  const res = await authedFetch(u.accessToken, "/api/v1/connectors", { method: "POST", json: { name } });
  expect(res.status).toBe(201);
  return CreatedConnectorTokenSchema.parse(await res.json());
}

function upgrade(token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (token !== null) headers["Authorization"] = `Bearer ${token}`;
  return exports.default.fetch(`${BASE}/api/v1/connector/ws`, { headers });
}

async function openConnector(token: string): Promise<Client> {
  const res = await upgrade(token);
  expect(res.status).toBe(101);
  return client(res.webSocket!);
}

type Terminal = { server: string; login: string };
const TERMINAL_A: Terminal = { server: "Broker-Live", login: "1001" };
const TERMINAL_B: Terminal = { server: "Broker-Live", login: "2002" };
const AUTH = (token: string, terminal?: Terminal) => ({
  type: "AUTH",
  token,
  connector_version: "test",
  protocol_version: 1,
  broker: "mt5",
  terminal: { connected: true, ...terminal },
});

async function authed(token: string, terminal?: Terminal): Promise<Client> {
  const c = await openConnector(token);
  c.send(AUTH(token, terminal));
  const ok = await c.next((f) => f.type === "AUTH_OK" || f.type === "AUTH_ERROR");
  expect(ok.type).toBe("AUTH_OK");
  return c;
}

async function browser(
  u: TestUser,
): Promise<Client & { event: (pred: (e: UserEvent) => boolean) => Promise<UserEvent> }> {
  const res = await exports.default.fetch(`${BASE}/ws`, {
    headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `edgetrader.v1, bearer.${u.accessToken}` },
  });
  expect(res.status).toBe(101);
  const c = client(res.webSocket!);
  await c.next((f) => f.type === "welcome");
  return {
    ...c,
    event: async (pred) =>
      UserEventSchema.parse(
        await c.next((f) => {
          const e = UserEventSchema.safeParse(f);
          return e.success && pred(e.data);
        }),
      ),
  };
}

const command = (c: Client, cid: string) =>
  c
    .next((f) => f.type === "TRADE_COMMAND" && f["client_order_id"] === cid)
    .then((f) => ObjectToConnectorFrameSchema.parse(f));

function placeConnectorTrade(u: TestUser, cid: string, side: "BUY" | "SELL" = "BUY") {
  return authedFetch(u.accessToken, "/api/v1/trade", {
    method: "POST",
    json: {
      side,
      symbol: "EURUSD",
      volume: 0.1,
      sl: side === "BUY" ? 1.05 : 1.2,
      tp: side === "BUY" ? 1.2 : 1.05,
      client_order_id: cid,
      target: "connector",
    },
  });
}

function openResult(cmd: ObjectToConnectorFrame, ticket: string, price = 1.1) {
  if (cmd.type !== "TRADE_COMMAND") throw new Error("not a TRADE_COMMAND");
  return {
    type: "TRADE_RESULT",
    id: `res:${cmd.command_id}`,
    command_id: cmd.command_id,
    client_order_id: cmd.client_order_id,
    action: "OPEN",
    ok: true,
    ticket,
    symbol: cmd.symbol,
    side: cmd.side,
    price,
    volume: cmd.volume,
    sl: cmd.sl ?? null,
    tp: cmd.tp ?? null,
    executed_at: Date.now(),
  };
}

async function d1Trade(cid: string) {
  return env.DB.prepare(
    `SELECT status, broker_ticket, entry_price, exit_price, stop_loss, user_id, pnl, legs FROM trades WHERE client_order_id = ?`,
  )
    .bind(cid)
    .first<{
      status: string;
      broker_ticket: string | null;
      entry_price: number | null;
      exit_price: number | null;
      stop_loss: number | null;
      user_id: string;
      pnl: number | null;
      legs: string | null;
    }>();
}

/** D1 is written by the object's outbox right after the change; poll until the row shows it. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not reached");
}

/** A round trip on a socket: everything sent before it has been processed by the object. */
async function settle(c: Client): Promise<void> {
  const id = crypto.randomUUID();
  c.send({ type: "PING", id, ts: Date.now() });
  await c.next((f) => f.type === "PONG" && f["id"] === id);
}

const stub = (u: TestUser) => userObject(env, u.userId) as unknown as DurableObjectStub<UserBot>;

describe("connector socket (object side)", () => {
  it("refuses upgrades without a live token: missing, garbage, revoked (401)", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    expect((await upgrade(null)).status).toBe(401);
    expect((await upgrade("etc_" + "x".repeat(43))).status).toBe(401);
    expect((await authedFetch(u.accessToken, `/api/v1/connectors/${t.id}`, { method: "DELETE" })).status).toBe(204);
    const res = await upgrade(t.token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("AUTH -> AUTH_OK, PING -> PONG; bad frames -> ERROR and change nothing; commands need AUTH first", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const c = await openConnector(t.token);
    c.send({
      type: "SYNC_RESPONSE",
      reason: "request",
      broker: "mt5",
      terminal_connected: true,
      account: null,
      positions: [],
      deals: [],
      at: Date.now(),
    });
    expect(await c.next()).toMatchObject({ type: "ERROR", code: "not_authenticated", ref_type: "SYNC_RESPONSE" });
    c.send(AUTH(t.token));
    const ok = await c.next();
    expect(ok.type).toBe("AUTH_OK");
    expect(Math.abs((ok["server_time"] as number) - Date.now())).toBeLessThan(60_000);
    c.send({ type: "PING", id: "p1", ts: 1 });
    expect(await c.next()).toMatchObject({ type: "PONG", id: "p1" });
    c.send("not json");
    expect(await c.next()).toMatchObject({ type: "ERROR", code: "bad_frame" });
    c.send({ type: "LAUNCH" });
    expect(await c.next()).toMatchObject({ type: "ERROR", code: "bad_frame", ref_type: "LAUNCH" });
    c.send({
      type: "TRADE_RESULT",
      id: "res:x",
      command_id: "x",
      client_order_id: "bad id with spaces",
      action: "OPEN",
      ok: true,
      executed_at: 1,
    });
    expect(await c.next()).toMatchObject({ type: "ERROR", code: "bad_frame", ref_type: "TRADE_RESULT", ref_id: "x" });
    // Nothing was recorded for the refused result: the same id, now valid, is applied (ACKed) normally.
    const seen = await runInDurableObject(stub(u), (o: UserBot) => o.connector.seen.has("res:x"));
    expect(seen).toBe(false);
    c.ws.close(1000, "done");
  });

  it("POST /trade target connector -> TRADE_COMMAND; TRADE_RESULT -> D1 trade with ticket + browser events; a duplicate is ACKed, applied once", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token);
    const cid = `ct-${crypto.randomUUID().slice(0, 8)}`;
    const res = await placeConnectorTrade(u, cid);
    expect(res.status).toBe(202);
    expect(ExecutionResultSchema.parse(await res.json()).status).toBe("pending");
    const cmd = await command(c, cid);
    expect(cmd).toMatchObject({
      type: "TRADE_COMMAND",
      action: "OPEN",
      side: "BUY",
      symbol: "EURUSD",
      volume: 0.1,
      sl: 1.05,
      tp: 1.2,
    });
    if (cmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    expect(cmd.expires_at).toBeGreaterThan(Date.now());
    const result = openResult(cmd, "70001", 1.1002);
    c.send(result);
    expect(await c.next((f) => f.type === "ACK")).toEqual({ type: "ACK", ids: [result.id] });
    const row = await until(
      () => d1Trade(cid),
      (r) => r?.status === "open",
    );
    expect(row).toMatchObject({ status: "open", broker_ticket: "70001", entry_price: 1.1002, user_id: u.userId });
    const opened = await b.event(
      (e) => e.type === "trade" && e.data.client_order_id === cid && e.data.status === "open",
    );
    expect(opened.type === "trade" && opened.data.broker_ticket).toBe("70001");
    await b.event((e) => e.type === "position_updated" && e.data.broker_ticket === "70001");

    c.send(result); // re-sent (e.g. after a reconnect): ACKed again, not applied again
    expect(await c.next((f) => f.type === "ACK")).toEqual({ type: "ACK", ids: [result.id] });
    await settle(c);
    const again = await runInDurableObject(stub(u), (o: UserBot) => o.engine.core.log.since(0));
    if (!("events" in again)) throw new Error("log trimmed");
    expect(
      again.events.filter((e) => e.type === "trade" && e.data.client_order_id === cid && e.data.status === "open"),
    ).toHaveLength(1);
    const positions = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM positions WHERE user_id = ? AND broker_ticket = '70001'`,
    )
      .bind(u.userId)
      .first<{ n: number }>();
    expect(positions?.n).toBe(1);

    // Close through the API: a CLOSE command with the ticket; its result closes the trade in D1.
    const list = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { id: string; broker_ticket: string | null }[];
    };
    const pos = list.positions.find((p) => p.broker_ticket === "70001");
    expect(pos).toBeDefined();
    const closeRes = await authedFetch(u.accessToken, `/api/v1/positions/${pos!.id}/close`, {
      method: "POST",
      json: {},
    });
    expect(closeRes.status).toBe(202);
    const accepted = PositionCommandAcceptedSchema.parse(await closeRes.json());
    expect(accepted.sent).toBe(true);
    const closeCmd = ObjectToConnectorFrameSchema.parse(
      await c.next((f) => f.type === "TRADE_COMMAND" && f["action"] === "CLOSE"),
    );
    expect(closeCmd).toMatchObject({ command_id: accepted.command_id, ticket: "70001" });
    if (closeCmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    c.send({
      type: "TRADE_RESULT",
      id: `res:${closeCmd.command_id}`,
      command_id: closeCmd.command_id,
      client_order_id: closeCmd.client_order_id,
      action: "CLOSE",
      ok: true,
      ticket: "70001",
      price: 1.1011,
      volume: 0.1,
      executed_at: Date.now(),
    });
    await c.next((f) => f.type === "ACK");
    expect(
      await until(
        () => d1Trade(cid),
        (r) => r?.status === "closed",
      ),
    ).toMatchObject({ status: "closed", exit_price: 1.1011 });
    await b.event((e) => e.type === "position_closed" && e.data.broker_ticket === "70001");
    c.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("partial close at the broker: the position keeps the rest, each leg's fill and P&L is recorded, the trade's P&L is their sum; client_id and cancel", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token);
    const cid = `pc-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    const open = await command(c, cid);
    c.send(openResult(open, "71001", 1.1));
    await until(
      () => d1Trade(cid),
      (r) => r?.status === "open",
    );
    const list = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { id: string; broker_ticket: string | null }[];
    };
    const id = list.positions.find((p) => p.broker_ticket === "71001")!.id;

    const part = await authedFetch(u.accessToken, `/api/v1/positions/${id}/close`, {
      method: "POST",
      json: { volume: 0.04, client_id: "leg-1" },
    });
    expect(part.status).toBe(202);
    const accepted = PositionCommandAcceptedSchema.parse(await part.json());
    // The same client id again: the first answer, no second CLOSE to the connector.
    const again = await authedFetch(u.accessToken, `/api/v1/positions/${id}/close`, {
      method: "POST",
      json: { volume: 0.04, client_id: "leg-1" },
    });
    expect(again.status).toBe(200);
    expect(PositionCommandAcceptedSchema.parse(await again.json())).toMatchObject({
      duplicate: true,
      command_id: accepted.command_id,
    });
    const partCmd = ObjectToConnectorFrameSchema.parse(
      await c.next((f) => f.type === "TRADE_COMMAND" && f["action"] === "CLOSE"),
    );
    expect(partCmd).toMatchObject({
      command_id: accepted.command_id,
      ticket: "71001",
      volume: 0.04,
      client_order_id: "close:leg-1",
    });
    if (partCmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    c.send({
      type: "TRADE_RESULT",
      id: `res:${partCmd.command_id}`,
      command_id: partCmd.command_id,
      client_order_id: partCmd.client_order_id,
      action: "CLOSE",
      ok: true,
      ticket: "71001",
      price: 1.101,
      volume: 0.04,
      executed_at: Date.now(),
    });
    await c.next((f) => f.type === "ACK");
    const reduced = await b.event(
      (e) => e.type === "position_updated" && e.data.broker_ticket === "71001" && e.data.volume < 0.1,
    );
    expect(reduced.type === "position_updated" && reduced.data.volume).toBeCloseTo(0.06, 8);
    const midway = await until(
      () => d1Trade(cid),
      (r) => typeof r?.["legs"] === "string",
    );
    // 0.04 lot EURUSD from 1.1 to 1.101 in a USD account: 0.001 * 4,000 = 4.00
    expect(JSON.parse(midway!["legs"] as string)).toEqual([
      expect.objectContaining({ volume: 0.04, price: 1.101, pnl: 4, reason: "partial" }),
    ]);
    expect(midway).toMatchObject({ status: "open" });
    expect(c.frames.filter((f) => f.type === "TRADE_COMMAND" && f["action"] === "CLOSE")).toHaveLength(0); // no second CLOSE queued behind the one taken

    const rest = await authedFetch(u.accessToken, `/api/v1/positions/${id}/close`, { method: "POST", json: {} });
    const restCmd = ObjectToConnectorFrameSchema.parse(
      await c.next(
        (f) => f.type === "TRADE_COMMAND" && f["action"] === "CLOSE" && f["command_id"] !== partCmd.command_id,
      ),
    );
    expect(PositionCommandAcceptedSchema.parse(await rest.json()).command_id).toBe(
      "command_id" in restCmd ? restCmd.command_id : "",
    );
    if (restCmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    c.send({
      type: "TRADE_RESULT",
      id: `res:${restCmd.command_id}`,
      command_id: restCmd.command_id,
      client_order_id: restCmd.client_order_id,
      action: "CLOSE",
      ok: true,
      ticket: "71001",
      price: 1.0995,
      volume: 0.06,
      executed_at: Date.now(),
    });
    await c.next((f) => f.type === "ACK");
    const closed = await until(
      () => d1Trade(cid),
      (r) => r?.status === "closed",
    );
    const legs = JSON.parse(closed!["legs"] as string) as { volume: number; pnl: number }[];
    // 0.06 lot from 1.1 to 1.0995: -0.0005 * 6,000 = -3.00; the trade: 4 - 3 = 1.00, the sum of its legs.
    expect(legs.map((l) => [l.volume, l.pnl])).toEqual([
      [0.04, 4],
      [0.06, -3],
    ]);
    expect(closed!["pnl"]).toBe(1);
    const gone = await b.event((e) => e.type === "position_closed" && e.data.broker_ticket === "71001");
    expect(gone.type === "position_closed" && gone.data.pnl).toBe(1);

    // Cancel: an order not yet sent (no connector online) is withdrawn; once sent it is not.
    c.ws.close(1000, "offline");
    await until(
      async () => (await (await authedFetch(u.accessToken, "/api/v1/connector/status")).json()) as { online: boolean },
      (s) => !s.online,
    );
    const late = `cx-${crypto.randomUUID().slice(0, 8)}`;
    const pending = (await (await placeConnectorTrade(u, late)).json()) as { trade: { id: string } };
    const cancel = await authedFetch(u.accessToken, `/api/v1/positions/${pending.trade.id}/cancel`, {
      method: "POST",
      json: {},
    });
    expect(cancel.status).toBe(200);
    expect(
      await until(
        () => d1Trade(late),
        (r) => r?.status === "canceled",
      ),
    ).toMatchObject({ status: "canceled" });
    expect(
      (await authedFetch(u.accessToken, `/api/v1/positions/${pending.trade.id}/cancel`, { method: "POST", json: {} }))
        .status,
    ).toBe(409);
    const c2 = await authed(t.token);
    await settle(c2);
    expect(c2.frames.some((f) => f.type === "TRADE_COMMAND" && f["client_order_id"] === late)).toBe(false);
    c2.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("a TRADE_ERROR frame reaches the browser as a TRADE_ERROR event; a failed result marks the trade rejected", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token);
    const cid = `rej-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid, "SELL")).status).toBe(202);
    const cmd = await command(c, cid);
    if (cmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    const error = { code: "rejected", message: "market closed", broker_code: "10018" };
    c.send({
      type: "TRADE_RESULT",
      id: `res:${cmd.command_id}`,
      command_id: cmd.command_id,
      client_order_id: cid,
      action: "OPEN",
      ok: false,
      error,
      executed_at: Date.now(),
    });
    c.send({
      type: "TRADE_ERROR",
      id: `err:${cmd.command_id}`,
      command_id: cmd.command_id,
      client_order_id: cid,
      symbol: "EURUSD",
      action: "OPEN",
      error,
      at: Date.now(),
    });
    const ev = await b.event((e) => e.type === "TRADE_ERROR" && e.data.client_order_id === cid);
    expect(ev.type === "TRADE_ERROR" && ev.data).toMatchObject({ code: "rejected", message: "market closed" });
    expect(
      await until(
        () => d1Trade(cid),
        (r) => r?.status === "rejected",
      ),
    ).toMatchObject({ status: "rejected", broker_ticket: null });
    c.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("another user's connector never sees this user's commands", async () => {
    const a = await registerUser();
    const other = await registerUser();
    const ca = await authed((await newToken(a)).token);
    const cb = await authed((await newToken(other)).token);
    const cid = `iso-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(a, cid)).status).toBe(202);
    await command(ca, cid);
    await settle(cb);
    expect(cb.frames.filter((f) => f.type === "TRADE_COMMAND")).toHaveLength(0);
    ca.ws.close(1000, "done");
    cb.ws.close(1000, "done");
  });

  it("offline: the command waits and is delivered after AUTH; the same terminal connecting again replaces the first socket and resumes", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const cid = `off-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    const unauthed = await openConnector(t.token);
    await settle(unauthed); // not authenticated: nothing is sent to it
    expect(unauthed.frames.filter((f) => f.type === "TRADE_COMMAND")).toHaveLength(0);
    const before = Date.now();
    const first = await authed(t.token, TERMINAL_A);
    const cmd = await command(first, cid);
    if (cmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    expect(cmd.first_sent_at).toBeGreaterThanOrEqual(before);
    // A reconnect of the same terminal (server + login): the old socket gives way, the command comes again with its original send time.
    const again = await authed(t.token, TERMINAL_A);
    expect((await first.closed()).code).toBe(4001);
    const resent = await command(again, cid);
    expect(resent).toMatchObject({ command_id: cmd.command_id, first_sent_at: cmd.first_sent_at });
    again.ws.close(1000, "done");
    unauthed.ws.close(1000, "done");
  });

  it("one terminal per account: a second terminal is refused (4009, terminal_conflict naming the holder), gets no command, and a command bound to the first is never sent to another", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const a = await authed(t.token, TERMINAL_A);
    const b = await openConnector(t.token);
    b.send(AUTH(t.token, TERMINAL_B));
    const refused = await b.next((f) => f.type === "AUTH_ERROR");
    expect(refused).toMatchObject({
      code: "terminal_conflict",
      retry: true,
      retry_after_ms: 60_000,
      terminal: { server: "Broker-Live", login: "1001" },
    });
    expect(refused["message"]).toContain("this account is connected to terminal Broker-Live login 1001");
    expect((await b.closed()).code).toBe(4009);
    // An unidentified connector cannot take the account either.
    const anon = await openConnector(t.token);
    anon.send(AUTH(t.token));
    expect(await anon.next((f) => f.type === "AUTH_ERROR")).toMatchObject({ code: "terminal_conflict" });
    const cid = `one-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    const cmd = await command(a, cid);
    if (cmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    await settle(a); // a stays connected and authenticated: no 4001 for it
    a.ws.close(1000, "gone");
    await a.closed();
    // The first terminal is gone but holds the account while it may be reconnecting: still refused.
    const early = await openConnector(t.token);
    early.send(AUTH(t.token, TERMINAL_B));
    const held = await early.next((f) => f.type === "AUTH_ERROR");
    expect(held).toMatchObject({ code: "terminal_conflict", terminal: { server: "Broker-Live", login: "1001" } });
    expect(held["message"]).toContain("may be reconnecting");
    expect((await early.closed()).code).toBe(4009);
    // Once the hold has run out (its start moved back, as if TERMINAL_HOLD_MS had passed), the second
    // may connect, but the command bound to the first is not sent to it.
    await runInDurableObject(stub(u), (o: UserBot) =>
      o.connector.state.set(
        "terminal_holder",
        JSON.stringify({ ...TERMINAL_A, seen_at: Date.now() - TERMINAL_HOLD_MS }),
      ),
    );
    const b2 = await authed(t.token, TERMINAL_B);
    await settle(b2);
    expect(b2.frames.filter((f) => f.type === "TRADE_COMMAND")).toHaveLength(0);
    const row = await runInDurableObject(stub(u), (o: UserBot) => o.connector.commands.get(cmd.command_id));
    expect(row).toMatchObject({ status: "sent", sends: 1, terminal: "Broker-Live|1001" });
    const activity = await env.DB.prepare(`SELECT message FROM activities WHERE user_id = ? AND type = 'error'`)
      .bind(u.userId)
      .all<{ message: string }>();
    expect(activity.results.map((r) => r.message).join("\n")).toContain(
      "was refused: terminal Broker-Live login 1001 holds this account",
    );
    b2.ws.close(1000, "done");
  });

  it("a socket that never authenticates is closed at the deadline (4004)", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const c = await openConnector(t.token);
    const started = Date.now();
    const closed = await c.closed();
    expect(closed.code).toBe(4004);
    expect(Date.now() - started).toBeGreaterThanOrEqual(AUTH_DEADLINE_MS - 1000);
  }, 30_000);

  it("a result for a command this account never sent gets ERROR unknown_command (and an ACK, so it is not re-sent forever)", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const c = await authed(t.token);
    c.send({
      type: "TRADE_RESULT",
      id: "res:ghost",
      command_id: "ghost",
      client_order_id: "ghost-1",
      action: "OPEN",
      ok: true,
      ticket: "1",
      symbol: "EURUSD",
      side: "BUY",
      price: 1.1,
      volume: 0.1,
      executed_at: Date.now(),
    });
    expect(await c.next((f) => f.type === "ERROR")).toMatchObject({
      code: "unknown_command",
      ref_type: "TRADE_RESULT",
      ref_id: "ghost",
    });
    expect(await c.next((f) => f.type === "ACK")).toEqual({ type: "ACK", ids: ["res:ghost"] });
    c.ws.close(1000, "done");
  });

  it("a frame over the byte limit is refused as too_large, counted in UTF-8 bytes, not characters", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const c = await authed(t.token);
    // 800k three-byte characters: 0.8 M characters (under the limit) but 2.4 MB.
    c.send(JSON.stringify({ type: "PING", id: "big", ts: 1, pad: "\u20ac".repeat(800_000) }));
    expect(await c.next((f) => f.type === "ERROR")).toMatchObject({ code: "too_large" });
    await settle(c);
    c.ws.close(1000, "done");
  });

  it("a 20,000-frame flood: status frames coalesced, excess refused (rate_limited), the flooder closed (4008); the object answers throughout; no browser told to resync", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token, TERMINAL_A);
    const status = (i: number) =>
      JSON.stringify({
        type: "STATUS_UPDATE",
        broker: "mt5",
        connector_version: "flood",
        terminal_connected: true,
        account: { currency: "USD", balance: 10_000 + i, equity: 10_000 + i, margin: 0, free_margin: 10_000 },
        unacked: 0,
        at: Date.now(),
      });
    for (let i = 0; i < 20_000; i++) c.send(status(i));
    expect((await exports.default.fetch(`${BASE}/api/v1/health`)).status).toBe(200);
    expect((await c.closed()).code).toBe(4008);
    expect(c.frames.some((f) => f.type === "ERROR" && f["code"] === "rate_limited")).toBe(true);
    // The browser saw a handful of coalesced statuses, not 20,000, and was never told to resync.
    await new Promise((r) => setTimeout(r, 500));
    expect(b.frames.filter((f) => f.type === "CONNECTOR_STATUS").length).toBeLessThan(50);
    expect(b.frames.some((f) => f.type === "resync_required")).toBe(false);
    expect(await stub(u).ping()).toMatchObject({ ok: true });
    b.ws.close(1000, "done");
  }, 180_000); // a harness limit, not a timing claim: 20,000 frames through workerd on a loaded 2-core box

  it("a second fill of an order that already filled is flagged as a duplicate execution (never adopted as a terminal position) and closes in one click", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token, TERMINAL_A);
    const cid = `dup-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    const cmd = await command(c, cid);
    c.send(openResult(cmd, "81001"));
    await c.next((f) => f.type === "ACK");
    const pos = (ticket: string) => ({
      ticket,
      symbol: "EURUSD",
      side: "BUY",
      volume: 0.1,
      open_price: 1.1,
      current_price: 1.1,
      sl: 1.05,
      tp: 1.2,
      profit: 0,
      opened_at: Date.now(),
      client_order_id: cid,
      magic: 1,
      comment: cid,
      manual: false,
    });
    c.send({
      type: "POSITIONS_UPDATE",
      id: "pu-dup",
      reason: "change",
      positions: [pos("81001"), pos("81002")],
      at: Date.now(),
    });
    const err = await b.event((e) => e.type === "TRADE_ERROR" && e.data.code === "duplicate_execution");
    expect(err.type === "TRADE_ERROR" && err.data).toMatchObject({
      client_order_id: cid,
      message: expect.stringContaining("DUPLICATE EXECUTION"),
    });
    const positions = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as
      | { positions?: { id: string; source: string; broker_ticket: string | null; duplicate_of?: string }[] }
      | { id: string; source: string; broker_ticket: string | null; duplicate_of?: string }[];
    const list = Array.isArray(positions) ? positions : (positions.positions ?? []);
    expect(list.find((p) => p.broker_ticket === "81002")).toMatchObject({
      source: "duplicate",
      duplicate_of: cid,
      id: "term:81002",
    });
    expect(list.filter((p) => p.source === "terminal")).toHaveLength(0);
    const close = await authedFetch(u.accessToken, "/api/v1/positions/term:81002/close", { method: "POST", json: {} });
    expect(close.status).toBe(202);
    expect(await c.next((f) => f.type === "TRADE_COMMAND" && f["action"] === "CLOSE")).toMatchObject({
      ticket: "81002",
    });
    c.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("a terminal that does not deduplicate: every command re-sent after a reconnect fills twice, and every double fill is flagged (none adopted)", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const N = 5;
    const cids = Array.from({ length: N }, (_, i) => `nodedup-${i}-${crypto.randomUUID().slice(0, 6)}`);
    // The first session receives the commands, "executes" them and dies before answering.
    const first = await authed(t.token, TERMINAL_A);
    const firstCmds: ObjectToConnectorFrame[] = [];
    for (const cid of cids) {
      expect((await placeConnectorTrade(u, cid)).status).toBe(202);
      firstCmds.push(await command(first, cid));
    }
    first.ws.close(1000, "crash");
    // The same terminal comes back: the object re-sends every unanswered command (original
    // first_sent_at), and this terminal executes each one again under a new ticket.
    const again = await authed(t.token, TERMINAL_A);
    const position = (cid: string, ticket: string) => ({
      ticket,
      symbol: "EURUSD",
      side: "BUY",
      volume: 0.1,
      open_price: 1.1,
      current_price: 1.1,
      sl: 1.05,
      tp: 1.2,
      profit: 0,
      opened_at: Date.now() - 1000,
      client_order_id: cid,
      magic: 1,
      comment: cid,
      manual: false,
    });
    for (const [i, cid] of cids.entries()) {
      const resent = await command(again, cid);
      const original = firstCmds[i]!;
      expect("command_id" in resent && resent.command_id).toBe("command_id" in original && original.command_id);
      expect("first_sent_at" in resent && resent.first_sent_at).toBe(
        "first_sent_at" in original && original.first_sent_at,
      );
      again.send(openResult(resent, `9${i}001`)); // the re-execution's fill is the answer that arrives
    }
    // Its positions list shows both executions of every order.
    again.send({
      type: "POSITIONS_UPDATE",
      id: "pu-nodedup",
      reason: "change",
      positions: cids.flatMap((cid, i) => [position(cid, `9${i}001`), position(cid, `8${i}001`)]),
      at: Date.now(),
      terminal_connected: true,
    });
    const flagged = new Set<string>();
    while (flagged.size < N) {
      const e = await b.event((x) => x.type === "TRADE_ERROR" && x.data.code === "duplicate_execution");
      if (e.type === "TRADE_ERROR") flagged.add(e.data.client_order_id);
    }
    expect([...flagged].sort()).toEqual([...cids].sort());
    const list = (
      (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
        positions: { source: string; broker_ticket: string | null; duplicate_of?: string }[];
      }
    ).positions;
    expect(list.filter((p) => p.source === "duplicate")).toHaveLength(N);
    expect(list.filter((p) => p.source === "terminal")).toHaveLength(0);
    for (const [i, cid] of cids.entries()) {
      expect(list.find((p) => p.broker_ticket === `8${i}001`)).toMatchObject({
        source: "duplicate",
        duplicate_of: cid,
      });
      expect(
        (await until(
          () => d1Trade(cid),
          (r) => r?.status === "open",
        ))!["broker_ticket"],
      ).toBe(`9${i}001`);
    }
    again.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("expiry: a command not delivered before its deadline is never sent; TRADE_ERROR + trade error", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const cid = `exp-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    // The object's clock two minutes on: its alarm finds the command past expires_at.
    await runInDurableObject(stub(u), async (o: UserBot) => {
      const real = o.engine.core.clock;
      o.engine.core.clock = () => real() + 120_000;
      try {
        await o.connector.onAlarm();
      } finally {
        o.engine.core.clock = real;
      }
    });
    const ev = await b.event((e) => e.type === "TRADE_ERROR" && e.data.client_order_id === cid);
    expect(ev.type === "TRADE_ERROR" && ev.data.code).toBe("expired");
    expect(
      await until(
        () => d1Trade(cid),
        (r) => r?.status === "error",
      ),
    ).toMatchObject({ status: "error" });
    const c = await authed(t.token);
    await settle(c);
    expect(c.frames.filter((f) => f.type === "TRADE_COMMAND")).toHaveLength(0);
    c.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("timeout without a result: TRADE_ERROR + SYNC_REQUEST (no resend); the SYNC_RESPONSE finds the order by client id", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token);
    const cid = `to-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    const cmd = await command(c, cid);
    await runInDurableObject(stub(u), async (o: UserBot) => {
      const real = o.engine.core.clock;
      o.engine.core.clock = () => real() + 200_000;
      try {
        await o.connector.onAlarm();
      } finally {
        o.engine.core.clock = real;
      }
    });
    await c.next((f) => f.type === "SYNC_REQUEST");
    const ev = await b.event((e) => e.type === "TRADE_ERROR" && e.data.client_order_id === cid);
    expect(ev.type === "TRADE_ERROR" && ev.data.code).toBe("timeout");
    expect(c.frames.filter((f) => f.type === "TRADE_COMMAND")).toHaveLength(0); // never a blind resend
    if (cmd.type !== "TRADE_COMMAND") throw new Error("unreachable");
    const position = {
      ticket: "80001",
      symbol: "EURUSD",
      side: "BUY",
      volume: 0.1,
      open_price: 1.1003,
      current_price: 1.1004,
      sl: 1.05,
      tp: 1.2,
      profit: 1,
      opened_at: Date.now(),
      client_order_id: cid,
      magic: 1234,
      comment: cid,
      manual: false,
    };
    c.send({
      type: "SYNC_RESPONSE",
      request_id: "s1",
      reason: "request",
      broker: "mt5",
      terminal_connected: true,
      account: null,
      positions: [position],
      deals: [],
      at: Date.now() + 1,
    });
    expect(
      await until(
        () => d1Trade(cid),
        (r) => r?.status === "open",
      ),
    ).toMatchObject({ status: "open", broker_ticket: "80001", entry_price: 1.1003 });
    c.ws.close(1000, "done");
    b.ws.close(1000, "done");
  });

  it("POSITIONS_UPDATE with a position opened by hand: positions API, D1 (source terminal), POSITIONS_UPDATED; STATUS_UPDATE -> CONNECTOR_STATUS; close -> offline", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const b = await browser(u);
    const c = await authed(t.token);
    await b.event((e) => e.type === "CONNECTOR_STATUS" && e.data.online);
    const manual = {
      ticket: "90001",
      symbol: "GBPUSD",
      side: "SELL",
      volume: 0.3,
      open_price: 1.27,
      current_price: 1.2695,
      sl: null,
      tp: null,
      profit: 15,
      opened_at: Date.now(),
      client_order_id: null,
      magic: 0,
      comment: "",
      manual: true,
    };
    c.send({ type: "POSITIONS_UPDATE", id: "pu-1", reason: "change", positions: [manual], at: Date.now() });
    expect(await c.next((f) => f.type === "ACK")).toEqual({ type: "ACK", ids: ["pu-1"] });
    const ev = await b.event(
      (e) => e.type === "POSITIONS_UPDATED" && e.data.positions.some((p) => p.broker_ticket === "90001"),
    );
    expect(ev.type === "POSITIONS_UPDATED" && ev.data.positions.find((p) => p.broker_ticket === "90001")).toMatchObject(
      { source: "terminal", side: "SELL", volume: 0.3 },
    );
    const list = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { broker_ticket: string | null; source: string }[];
    };
    expect(list.positions.filter((p) => p.broker_ticket === "90001")).toEqual([
      expect.objectContaining({ source: "terminal" }),
    ]);
    const row = await until(
      () =>
        env.DB.prepare(`SELECT source, status FROM positions WHERE user_id = ? AND broker_ticket = '90001'`)
          .bind(u.userId)
          .first<{ source: string; status: string }>(),
      (r) => r !== null,
    );
    expect(row).toEqual({ source: "terminal", status: "open" });

    c.send({
      type: "STATUS_UPDATE",
      broker: "mt5",
      connector_version: "test",
      terminal_connected: true,
      account: { currency: "USD", balance: 10_000, equity: 10_015, margin: 100, free_margin: 9_915 },
      unacked: 0,
      at: Date.now(),
    });
    const st = await b.event((e) => e.type === "CONNECTOR_STATUS" && e.data.account?.equity === 10_015);
    expect(st.type === "CONNECTOR_STATUS" && st.data).toMatchObject({ online: true, terminal_connected: true });

    c.ws.close(1000, "bye");
    const off = await b.event((e) => e.type === "CONNECTOR_STATUS" && !e.data.online);
    expect(off.type === "CONNECTOR_STATUS" && off.data.online).toBe(false);
    b.ws.close(1000, "done");
  });

  it("a positions list read while the terminal was not connected+synced closes nothing (issue 16); a synced one does", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const c = await authed(t.token);
    const cid = `ct-${crypto.randomUUID().slice(0, 8)}`;
    expect((await placeConnectorTrade(u, cid)).status).toBe(202);
    const cmd = await command(c, cid);
    const result = openResult(cmd, "71001", 1.1);
    c.send(result);
    await c.next((f) => f.type === "ACK" && (f["ids"] as string[]).includes(result.id));
    await until(
      () => d1Trade(cid),
      (r) => r?.status === "open",
    );
    // A restarted terminal before its sync: PositionsTotal() is 0. Flagged by the list itself...
    c.send({
      type: "POSITIONS_UPDATE",
      id: "pu-unsynced",
      reason: "change",
      positions: [],
      at: Date.now() + 1,
      terminal_connected: false,
    });
    expect(await c.next((f) => f.type === "ACK")).toEqual({ type: "ACK", ids: ["pu-unsynced"] });
    // ...or, for a list without the flag, by the connector's last report.
    c.send({
      type: "STATUS_UPDATE",
      broker: "mt5",
      connector_version: "test",
      terminal_connected: false,
      account: null,
      unacked: 0,
      at: Date.now(),
    });
    c.send({ type: "POSITIONS_UPDATE", id: "pu-legacy", reason: "change", positions: [], at: Date.now() + 2 });
    await c.next((f) => f.type === "ACK" && (f["ids"] as string[]).includes("pu-legacy"));
    await settle(c);
    const open = await runInDurableObject(
      stub(u),
      (o: UserBot) => o.engine.core.book.byClientOrderId(cid)?.trade.status,
    );
    expect(open).toBe("open");
    // An incomplete list (an item the connector could not read) closes nothing either.
    c.send({
      type: "POSITIONS_UPDATE",
      id: "pu-partial",
      reason: "change",
      positions: [],
      at: Date.now() + 3,
      terminal_connected: true,
      unreadable: 1,
    });
    await c.next((f) => f.type === "ACK" && (f["ids"] as string[]).includes("pu-partial"));
    await settle(c);
    expect(
      await runInDurableObject(stub(u), (o: UserBot) => o.engine.core.book.byClientOrderId(cid)?.trade.status),
    ).toBe("open");
    // Connected and synced: the same empty list now means the position is gone at the broker.
    c.send({
      type: "POSITIONS_UPDATE",
      id: "pu-synced",
      reason: "change",
      positions: [],
      at: Date.now() + 4,
      terminal_connected: true,
    });
    await c.next((f) => f.type === "ACK" && (f["ids"] as string[]).includes("pu-synced"));
    expect(
      await until(
        () => d1Trade(cid),
        (r) => r?.status === "closed",
      ),
    ).toMatchObject({ status: "closed" });
    // A lagging terminal that still lists our closed position: not adopted as a manual one.
    const stale = {
      ticket: "71001",
      symbol: "EURUSD",
      side: "BUY",
      volume: 0.1,
      open_price: 1.1,
      current_price: 1.1,
      sl: null,
      tp: null,
      profit: 0,
      opened_at: Date.now() - 1000,
      client_order_id: cid,
      magic: 1,
      comment: cid,
      manual: false,
    };
    c.send({
      type: "POSITIONS_UPDATE",
      id: "pu-stale",
      reason: "change",
      positions: [stale],
      at: Date.now() + 5,
      terminal_connected: true,
    });
    await c.next((f) => f.type === "ACK" && (f["ids"] as string[]).includes("pu-stale"));
    await settle(c);
    const list = (await (await authedFetch(u.accessToken, "/api/v1/positions")).json()) as {
      positions: { broker_ticket: string | null }[];
    };
    expect(list.positions.filter((p) => p.broker_ticket === "71001")).toEqual([]);
    c.ws.close(1000, "done");
  });

  it("risk sizing uses the account the orders go to: the paper account's balance, the broker balance the connector reported (unknown until then)", async () => {
    const u = await registerUser();
    const paper = () => runInDurableObject(stub(u), (i: UserBot) => i.sizingBalance({ target: "paper" }));
    const broker = () => runInDurableObject(stub(u), (i: UserBot) => i.sizingBalance({ target: "connector" }));
    expect(await paper()).toBe(10_000); // the paper account's opening balance
    await runInDurableObject(stub(u), (i: UserBot) => {
      i.engine.core.write(() => {
        i.engine.core.paper.save(); // the row exists before it is changed
        i.engine.core.sql.exec(`UPDATE engine_paper SET state = json_set(state, '$.balance', 2500) WHERE id = 1`);
        i.engine.core.paper.discard();
      });
    });
    expect(await paper()).toBe(2500);
    expect(await broker()).toBeNull(); // no connector has reported an account: never a made-up balance
    const t = await newToken(u);
    const c = await authed(t.token);
    c.send({
      type: "STATUS_UPDATE",
      broker: "mt5",
      connector_version: "test",
      terminal_connected: true,
      account: { currency: "USD", balance: 731.5, equity: 740, margin: 0, free_margin: 740 },
      unacked: 0,
      at: Date.now(),
    });
    await settle(c);
    expect(await broker()).toBe(731.5);
    c.ws.close(1000, "done");
  });

  it("a token revoked after the upgrade gets AUTH_ERROR (retry:false) and the socket is closed", async () => {
    const u = await registerUser();
    const t = await newToken(u);
    const c = await openConnector(t.token);
    expect((await authedFetch(u.accessToken, `/api/v1/connectors/${t.id}`, { method: "DELETE" })).status).toBe(204);
    c.send(AUTH(t.token));
    expect(await c.next()).toMatchObject({ type: "AUTH_ERROR", code: "revoked", retry: false });
    expect((await c.closed()).code).toBe(4003);
  });

  it("position commands: 404 for an unknown position, 400 for a bad body", async () => {
    const u = await registerUser();
    expect(
      (await authedFetch(u.accessToken, "/api/v1/positions/nope/close", { method: "POST", json: {} })).status,
    ).toBe(404);
    const bad = await authedFetch(u.accessToken, "/api/v1/positions/nope/modify", { method: "POST", json: {} });
    expect(bad.status).toBe(400);
    expect(
      (await authedFetch(u.accessToken, "/api/v1/positions/nope/stop-loss", { method: "POST", json: { sl: -1 } }))
        .status,
    ).toBe(400);
  });
});
