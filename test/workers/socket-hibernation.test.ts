import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BrowserPongSchema, BrowserWelcomeSchema, SocketErrorFrameSchema } from "../../core/protocol/browser-socket";
import { tokenFor } from "./helpers";
import { openSocket } from "./socket-reader";

const token = (sub: string) => tokenFor(sub);

describe("browser socket /ws", () => {
  it("refuses an upgrade without a valid token", async () => {
    const res = await exports.default.fetch("http://example.com/ws", { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(401);
    const forged = await exports.default.fetch("http://example.com/ws", {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "edgetrader.v1, bearer.aaa.bbb.ccc" },
    });
    expect(forged.status).toBe(401);
  });

  it("forwards none of the client's headers to the object: a client X-Accepted-Protocol is not echoed", async () => {
    const bearer = `bearer.${await token("user-sock-headers")}`;
    const spoof = { Upgrade: "websocket", "X-Accepted-Protocol": "spoofed", "X-Edgetrader-User": "someone-else" };
    // Only the token protocol offered: the handshake names no protocol (before: "spoofed").
    const bare = await exports.default.fetch("http://example.com/ws", {
      headers: { ...spoof, "Sec-WebSocket-Protocol": bearer },
    });
    expect(bare.status).toBe(101);
    expect(bare.headers.get("Sec-WebSocket-Protocol")).toBeNull();
    bare.webSocket!.accept();
    bare.webSocket!.close(1000, "done");
    const ours = await exports.default.fetch("http://example.com/ws", {
      headers: { ...spoof, "Sec-WebSocket-Protocol": `edgetrader.v1, ${bearer}` },
    });
    expect(ours.status).toBe(101);
    expect(ours.headers.get("Sec-WebSocket-Protocol")).toBe("edgetrader.v1");
    ours.webSocket!.accept();
    ours.webSocket!.close(1000, "done");
  });

  it("answers ping/pong and rejects malformed frames with an error frame", async () => {
    const { ws, next } = await openSocket(await token("user-sock-1"));
    BrowserWelcomeSchema.parse(await next());
    ws.send(JSON.stringify({ type: "ping", id: "p1" }));
    const pong = BrowserPongSchema.parse(await next());
    expect(pong.id).toBe("p1");
    ws.send("not json");
    expect(SocketErrorFrameSchema.parse(await next()).error.code).toBe("bad_frame");
    ws.send(JSON.stringify({ type: "launch_missiles" }));
    expect(SocketErrorFrameSchema.parse(await next()).error.code).toBe("bad_frame");
    ws.send(JSON.stringify({ type: "ping", id: "x".repeat(20_000) }));
    expect(SocketErrorFrameSchema.parse(await next()).error.code).toBe("frame_too_large");
    ws.close(1000, "done");
  });

  it("keeps answering after the object hibernates and is evicted (state from the attachment)", async () => {
    const { ws, next } = await openSocket(await token("user-sock-2"));
    const welcome = BrowserWelcomeSchema.parse(await next());
    ws.send(JSON.stringify({ type: "ping", id: "before" }));
    const before = BrowserPongSchema.parse(await next());
    // workerd evicts an object after ~10 s without events; hibernatable sockets don't keep it alive.
    await new Promise((r) => setTimeout(r, 13_000));
    ws.send(JSON.stringify({ type: "ping", id: "after" }));
    const after = BrowserPongSchema.parse(await next());
    expect(after.id).toBe("after");
    expect(after.instance).not.toBe(before.instance); // a new instance woke up for this frame
    expect(after.connectedAt).toBe(welcome.connectedAt); // per-socket state survived in the attachment
    ws.close(1000, "done");
  }, 40_000);
});
