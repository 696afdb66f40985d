// GET /api/v1/activities/stream: Server-Sent Events of the user's activity feed, resumed with
// Last-Event-ID from the socket's sequence numbers. Real Worker, real object, real event log.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UserBot } from "../../durable-objects/user-bot";
import { newUser, predictorDouble, SYMBOL, stubOf, wireObject } from "./engine-fixtures";
import { api, authedFetch } from "./helpers";

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** A minimal EventSource-style reader over the response body (what a browser's EventSource parses). */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  return {
    async next(timeoutMs = 5000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = buf.indexOf("\n\n");
        if (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const [k, ...v] = line.split(": ");
            if (k === "id" || k === "event" || k === "data") ev[k] = v.join(": ");
          }
          if (ev.event) return ev;
          continue;
        }
        if (Date.now() > deadline) throw new Error(`no SSE event within ${timeoutMs} ms`);
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buf += value;
      }
    },
    async until(n: number): Promise<SseEvent[]> {
      const out: SseEvent[] = [];
      while (out.length < n) out.push(await this.next());
      return out;
    },
    cancel: () => reader.cancel(),
  };
}

const order = (side: "BUY" | "SELL", id: string) => ({ side, symbol: SYMBOL, volume: 0.1, client_order_id: id });
const trade = (token: string, body: unknown) => authedFetch(token, "/api/v1/trade", { method: "POST", json: body });
const stream = (token: string, lastEventId?: number) =>
  authedFetch(token, "/api/v1/activities/stream", {
    headers: lastEventId === undefined ? {} : { "Last-Event-ID": String(lastEventId) },
  });

describe("GET /api/v1/activities/stream (SSE)", () => {
  it("a client that disconnects and reconnects with Last-Event-ID misses no activity and sees none twice", async () => {
    const u = await newUser();
    await wireObject(u.userId, predictorDouble("none").fn);

    const first = await stream(u.accessToken);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const a = sseReader(first);
    expect((await trade(u.accessToken, order("BUY", "sse-1"))).status).toBe(201);
    const seen = await a.until(1);
    expect(seen[0]).toMatchObject({ event: "activity" });
    await a.cancel(); // the client goes away

    // Two activities happen while it is gone.
    expect((await trade(u.accessToken, order("SELL", "sse-2"))).status).toBe(201);
    expect((await trade(u.accessToken, order("BUY", "sse-3"))).status).toBe(201);

    const last = Number(seen.at(-1)!.id);
    const b = sseReader(await stream(u.accessToken, last));
    expect((await trade(u.accessToken, order("SELL", "sse-4"))).status).toBe(201);

    // What the object's log holds is the truth: every activity after the first one seen, in order.
    const logged = await runInDurableObject(stubOf(u.userId), (i: UserBot) =>
      i.engine.core.sql
        .exec<{ seq: number }>(`SELECT seq FROM engine_events WHERE type = 'activity' ORDER BY seq`)
        .toArray()
        .map((r) => r.seq),
    );
    const after = logged.filter((s) => s > last);
    expect(after.length).toBeGreaterThanOrEqual(3);
    const resumed = await b.until(after.length);
    await b.cancel();
    const ids = [...seen, ...resumed].map((e) => Number(e.id));
    expect(ids).toEqual(logged.filter((s) => s >= Number(seen[0]!.id))); // nothing missed, nothing twice, in order
    for (const e of resumed) {
      expect(e.event).toBe("activity");
      expect(JSON.parse(e.data!)).toMatchObject({
        seq: Number(e.id),
        type: "activity",
        data: { kind: expect.any(String) },
      });
    }
  });

  it("refuses a bad Last-Event-ID and an unauthenticated caller", async () => {
    const u = await newUser();
    const bad = await stream(u.accessToken, -1);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } });
    expect((await api("/api/v1/activities/stream")).status).toBe(401);
  });
});
