// Issue 20 on the real platform (wrangler dev + local workerd): one terminal per account with two
// real connector processes and two simulated MT5 terminals for a minute; frame sizes at the
// runtime's limit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SIM_BRIDGE_SETTINGS, SimTerminal } from "../../connector/src/sim-terminal";
import { buildBundle, ChildConnector, freePort } from "../../connector/test/helpers/child-connector";
import { MAX_CONNECTOR_FRAME_BYTES } from "../../core/protocol/connector";
import { type Platform, startPlatform, until } from "./platform";
import { FAST_CONNECTOR_TIMINGS, startRig, waitOnline } from "./rig";

/** workerd's own WebSocket message limit (kj `WebSocket::receive(maxSize)`), measured: 31 MiB in, 33 MiB closed 1009. */
const RUNTIME_MESSAGE_LIMIT = 32 * 1024 * 1024;

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform("connector-terminals");
}, 150_000);
afterAll(async () => {
  await platform?.stop();
});

type Trade = { client_order_id: string; status: string; broker_ticket: string | null };

describe("connector socket hardening on the real platform", () => {
  it("two terminals on one account for a minute: the second is refused (its EA shows why), no command executes on both, the first keeps trading and resumes after a cut", {
    timeout: 240_000,
  }, async () => {
    const rig = await startRig(platform.url);
    const { api, sim: simA, proxy } = rig;
    const dirB = mkdtempSync(join(tmpdir(), "edgetrader-second-terminal-"));
    const bridgeB = await freePort();
    const simB = new SimTerminal({
      port: bridgeB,
      reconnectMs: 100,
      accountPushMs: 1000,
      login: "7000002",
      server: "Other-Broker-Live",
    });
    simB.start();
    const connectorB = new ChildConnector(buildBundle(dirB), dirB, {
      url: `ws://127.0.0.1:${new URL(platform.url).port}/api/v1/connector/ws`,
      token: rig.token.token,
      broker: "mt5",
      mt5BridgePort: bridgeB,
      eaSecret: SIM_BRIDGE_SETTINGS.eaSecret,
      mt5Login: "7000002",
      mt5Server: "Other-Broker-Live",
      journalDir: join(dirB, "journal"),
      ...FAST_CONNECTOR_TIMINGS,
    });
    try {
      connectorB.start();
      await until(
        async () => connectorB.output,
        (o) => o.includes("REFUSED BY THE SERVER"),
        60_000,
        "the second connector logs the refusal",
      );
      const shown = await until(
        async () => simB.notices.at(-1) ?? "",
        (t) => t.startsWith("REFUSED BY THE SERVER"),
        20_000,
        "the second terminal's EA is told to show the refusal",
      );
      expect(shown).toMatch(/another terminal|terminal/i);

      // A minute of orders while B keeps trying (every retry_after_ms) and A's socket is cut once.
      const started = Date.now();
      const cids: string[] = [];
      let cut = false;
      for (let i = 0; Date.now() - started < 60_000; i++) {
        const cid = `two-terminals-${i}`;
        cids.push(cid);
        const r = await api.call("POST", "/trade", {
          side: i % 2 === 0 ? "BUY" : "SELL",
          symbol: "EURUSD",
          volume: 0.01,
          client_order_id: cid,
          target: "connector",
        });
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        if (!cut && Date.now() - started > 30_000) {
          expect(proxy?.cut() ?? 0).toBeGreaterThan(0);
          cut = true;
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
      await waitOnline(api, 60_000);
      const trades = await until(
        async () =>
          (await api.call<{ trades: Trade[] }>("GET", "/trades/history?limit=200")).body.trades.filter((t) =>
            t.client_order_id.startsWith("two-terminals-"),
          ),
        (ts) => ts.length === cids.length && ts.every((t) => t.status !== "pending"),
        90_000,
        "every order resolved",
      );
      // Nothing ran at the refused terminal; every fill is one opening deal at the first.
      expect(simB.deals).toHaveLength(0);
      expect([...simB.positions.values()]).toHaveLength(0);
      expect([...simA.entriesByMagic().values()].every((n) => n === 1)).toBe(true);
      const filled = trades.filter((t) => t.broker_ticket !== null);
      expect(filled.length).toBeGreaterThan(0);
      expect(new Set(simA.deals.filter((d) => d.entry === "in").map((d) => d.position))).toEqual(
        new Set(filled.map((t) => t.broker_ticket)),
      );
      // B was still refused at the end (never took over), and the dashboard has the warning.
      expect((connectorB.output.match(/REFUSED BY THE SERVER/g) ?? []).length).toBeGreaterThanOrEqual(1);
      const acts = await api.call<{ activities: { message: string }[] }>("GET", "/activities/recent?limit=100");
      expect(JSON.stringify(acts.body)).toMatch(/terminal/i);
      console.log(
        `[two terminals] ${cids.length} orders in 60 s, ${filled.length} filled at terminal A, 0 at B; B refused ${(connectorB.output.match(/REFUSED BY THE SERVER/g) ?? []).length} time(s); B's EA notice: ${shown}`,
      );
    } finally {
      await connectorB.kill();
      simB.stop();
      await rig.stop();
      rmSync(dirB, { recursive: true, force: true });
    }
  });

  it("frame sizes: over our 2 MiB limit -> ERROR too_large and the socket stays; over the runtime's 32 MiB -> workerd closes 1009 from the frame header; the platform answers on", {
    timeout: 120_000,
  }, async () => {
    const rig = await startRig(platform.url);
    try {
      const extra = await rig.api.call<{ token: string }>("POST", "/connectors", { name: "size probe" });
      const ws = new WebSocket(`${platform.url.replace(/^http/, "ws")}/api/v1/connector/ws`, {
        headers: { Authorization: `Bearer ${extra.body.token}` },
      });
      const frames: { type: string; code?: string }[] = [];
      ws.on("message", (d) => frames.push(JSON.parse(String(d)) as { type: string; code?: string }));
      await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
      // PING is allowed before AUTH; padded past our limit (counted in UTF-8 bytes).
      ws.send(JSON.stringify({ type: "PING", ts: 1, pad: "x".repeat(MAX_CONNECTOR_FRAME_BYTES + 1024) }));
      await until(
        async () => frames,
        (f) => f.some((x) => x.type === "ERROR" && x.code === "too_large"),
        30_000,
        "too_large",
      );
      ws.send(JSON.stringify({ type: "PING", ts: 2 }));
      await until(
        async () => frames,
        (f) => f.some((x) => x.type === "PONG"),
        10_000,
        "the socket still answers",
      );
      // Past the runtime's own limit: kj reads the frame header, sees the length and closes 1009
      // ("Message is too large") without handing anything to webSocketMessage.
      const closing = new Promise<number>((r) => {
        const t = setInterval(() => {
          const code = (ws as unknown as { _closeCode?: number })._closeCode;
          if (ws.readyState !== WebSocket.OPEN && code !== undefined) {
            clearInterval(t);
            r(code);
          }
        }, 20);
      });
      ws.send(JSON.stringify({ type: "PING", ts: 3, pad: "x".repeat(RUNTIME_MESSAGE_LIMIT + 1024) }));
      expect(await closing).toBe(1009);
      ws.terminate();
      expect(frames.filter((f) => f.type === "ERROR" && f.code === "too_large")).toHaveLength(1);
      expect((await fetch(`${platform.url}/api/v1/health`)).status).toBe(200);
      await waitOnline(rig.api);
    } finally {
      await rig.stop();
    }
  });
});
