// Issue 20 on the real platform (wrangler dev + local workerd): one terminal per account with two
// real connector processes and two simulated MT5 terminals for a minute; frame sizes at the
// runtime's limit; the rate limit on connector authentication (guessed tokens).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import WebSocket from "ws";
import { MAX_CONNECTOR_FRAME_BYTES } from "../../core/protocol/connector";
import { Api, type Platform, startPlatform, until, upgradeStatus } from "./platform";
import { startExtraTerminal, startRig, waitOnline } from "./rig";

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
    const b = await startExtraTerminal(platform.url, rig.token.token);
    const { sim: simB, connector: connectorB } = b;
    try {
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
      expect(b.refusals()).toBeGreaterThanOrEqual(1);
      const acts = await api.call<{ activities: { message: string }[] }>("GET", "/activities/recent?limit=100");
      expect(JSON.stringify(acts.body)).toMatch(/terminal/i);
      console.log(
        `[two terminals] ${cids.length} orders in 60 s, ${filled.length} filled at terminal A, 0 at B; B refused ${b.refusals()} time(s); B's EA notice: ${shown}`,
      );
    } finally {
      await b.stop();
      await rig.stop();
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

  it("guessed connector tokens: one address is limited before the D1 lookup (429 rate_limited, Retry-After: the window), a good token too while limited, and works again after the window", {
    timeout: 120_000,
  }, async () => {
    const limits = (unstable_readConfig({ config: fileURLToPath(new URL("../../wrangler.toml", import.meta.url)) })
      .ratelimits ?? []) as { name: string; simple: { limit: number; period: number } }[];
    const limiter = limits.find((r) => r.name === "CONNECTOR_AUTH_LIMITER");
    if (!limiter) throw new Error("wrangler.toml has no CONNECTOR_AUTH_LIMITER");
    const { limit, period } = limiter.simple;
    // The protocol doc states the same numbers.
    const doc = readFileSync(fileURLToPath(new URL("../../docs/CONNECTOR_PROTOCOL.md", import.meta.url)), "utf8");
    expect(doc).toContain(`**${limit} per ${period} s**`);
    expect(doc).toContain(`Retry-After: ${period}\``);
    const api = new Api(platform.url);
    await api.register();
    const good = (await api.call<{ token: string }>("POST", "/connectors", { name: "rate limit probe" })).body.token;
    const url = `${platform.url}/api/v1/connector/ws`;
    // The limiter counts in fixed windows: start right after a boundary so the burst stays in one.
    const windowMs = period * 1000;
    await new Promise<void>((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 50));
    const windowOf = (t: number) => Math.floor(t / windowMs);
    const started = Date.now();
    const answers: { status: number; code: string; retryAfter: string | null }[] = [];
    while (!answers.some((a) => a.status === 429) && answers.length < limit + 5) {
      const res = await fetch(url, { headers: { Authorization: `Bearer etc_guess${crypto.randomUUID()}` } });
      const body = (await res.json()) as { error: { code: string } };
      answers.push({ status: res.status, code: body.error.code, retryAfter: res.headers.get("Retry-After") });
    }
    const refusedAt = answers.findIndex((a) => a.status === 429);
    if (windowOf(Date.now()) !== windowOf(started))
      throw new Error(`the guesses did not fit in one ${period} s window (machine too slow?): ${answers.length}`);
    // Unknown tokens are 401 until the limit (each of those did cost a lookup), then 429 from the limiter.
    expect(refusedAt, JSON.stringify(answers.slice(-3))).toBeGreaterThan(0);
    expect(refusedAt).toBeLessThanOrEqual(limit);
    expect(answers.slice(0, refusedAt).every((a) => a.status === 401 && a.code === "unauthorized")).toBe(true);
    expect(answers[refusedAt]).toEqual({ status: 429, code: "rate_limited", retryAfter: String(period) });
    // A live token is refused too while the address is limited: the refusal comes before the token
    // is looked up, so a limited guess costs no D1 read.
    expect(await upgradeStatus(url, { Authorization: `Bearer ${good}` })).toBe(429);
    const more = await fetch(url, { headers: { Authorization: "Bearer etc_another_guess" } });
    expect(more.status).toBe(429);
    expect(windowOf(Date.now())).toBe(windowOf(started));
    // After the window the good token connects (and a guess is a plain 401 again).
    await new Promise<void>((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 50));
    expect(await upgradeStatus(url, { Authorization: `Bearer ${good}` })).toBe(101);
    expect((await fetch(url, { headers: { Authorization: "Bearer etc_late_guess" } })).status).toBe(401);
    console.log(
      `[connector auth limit] ${refusedAt} guesses answered 401, then 429 (limit ${limit} per ${period} s); the good token: 429 while limited, 101 after the window`,
    );
  });
});
