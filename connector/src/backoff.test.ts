import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff";
import { silentLogger } from "./log";
import { ObjectLink } from "./object-link";

describe("Backoff (exponential, full jitter)", () => {
  it("ceilings double from the base up to the cap", () => {
    const b = new Backoff({ baseMs: 1000, capMs: 30_000, random: () => 0.999999 });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999]);
  });

  it("draws uniformly below the ceiling (jitter) and resets", () => {
    const draws = [0, 0.5, 0.25, 0.75];
    let k = 0;
    const b = new Backoff({ baseMs: 1000, capMs: 30_000, random: () => draws[k++ % draws.length]! });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([0, 1000, 1000, 6000]);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.ceiling()).toBe(1000);
  });

  it("with Math.random, 1000 delays stay inside [0, ceiling) and are not all equal", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const b = new Backoff();
      for (let n = 0; n < 3; n++) b.next();
      const ceil = b.ceiling();
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(ceil);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(100);
  });

  it("a link to a server that drops every connection schedules growing, jittered delays", async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const scheduled: Array<[number, number]> = [];
    const link = new ObjectLink({
      url: `ws://127.0.0.1:${port}/`,
      token: "etc_x",
      log: silentLogger,
      backoff: new Backoff({ baseMs: 8, capMs: 64, random: () => 0.5 }),
      authFrame: () => ({
        type: "AUTH",
        token: "etc_x",
        connector_version: "t",
        protocol_version: 1,
        broker: "paper",
        terminal: null,
      }),
      onReady: () => undefined,
      onFrame: () => undefined,
      onReconnectScheduled: (delay, attempt) => scheduled.push([delay, attempt]),
    });
    link.start();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (scheduled.length >= 6) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    link.stop();
    server.close();
    expect(scheduled.slice(0, 6)).toEqual([
      [4, 1],
      [8, 2],
      [16, 3],
      [32, 4],
      [32, 5],
      [32, 6],
    ]);
  });
});
