// A browser socket (/ws) opened through the worker, read frame by frame: shared by the socket and
// engine tests.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export type Frame = { type: string; seq?: number; [k: string]: unknown };

export interface SocketReader {
  ws: WebSocket;
  next: () => Promise<Frame>;
  /** Frames until (and including) the first that matches. */
  until: (pred: (f: Frame) => boolean) => Promise<Frame[]>;
}

/** Upgrades with the token (and `?since=` when given); expects the 101 and the echoed subprotocol. */
export async function openSocket(token: string, since?: number): Promise<SocketReader> {
  const res = await exports.default.fetch(`http://example.com/ws${since === undefined ? "" : `?since=${since}`}`, {
    headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `edgetrader.v1, bearer.${token}` },
  });
  expect(res.status).toBe(101);
  expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("edgetrader.v1");
  const ws = res.webSocket!;
  const queue: Frame[] = [];
  const waiters: Array<(v: Frame) => void> = [];
  ws.addEventListener("message", (e) => {
    const frame = JSON.parse(e.data as string) as Frame;
    const w = waiters.shift();
    if (w) w(frame);
    else queue.push(frame);
  });
  ws.accept();
  const next = () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<Frame>((r) => waiters.push(r)));
  const until = async (pred: (f: Frame) => boolean) => {
    const seen: Frame[] = [];
    for (;;) {
      const f = await next();
      seen.push(f);
      if (pred(f)) return seen;
    }
  };
  return { ws, next, until };
}
