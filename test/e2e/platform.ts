// The real platform for Node-side end-to-end tests: wrangler dev (workerd, local D1/R2/DO) on a free
// port with a throw-away persistence dir, plus small API/socket clients.

import type { ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import { freePort } from "../../connector/test/helpers/child-connector";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** scripts/lib/*.mjs (plain JS, shared with npm start and the browser tests), typed at this boundary. */
interface WranglerLib {
  applyLocalMigrations(persistTo?: string): string;
  startWranglerDev(o: {
    port: number;
    persistTo?: string;
    stdio?: unknown;
    extraArgs?: string[];
  }): Promise<{ child: ChildProcess; url: string }>;
  stopWranglerDev(child: ChildProcess): Promise<void>;
}
const lib = async <T>(name: string): Promise<T> =>
  (await import(pathToFileURL(join(ROOT, "scripts/lib", name)).href)) as T;

export { freePort };

export interface Platform {
  url: string;
  stop: () => Promise<void>;
}

/** `extraArgs` go to wrangler dev (e.g. `--var DELTA_REST_URL:...` to point it at a local Delta server). */
export async function startPlatform(tag: string, extraArgs: string[] = []): Promise<Platform> {
  const { applyLocalMigrations, startWranglerDev, stopWranglerDev } = await lib<WranglerLib>("wrangler.mjs");
  (await lib<{ ensureDevVars(): unknown }>("dev-vars.mjs")).ensureDevVars();
  const artifacts = join(ROOT, "test-artifacts");
  mkdirSync(artifacts, { recursive: true });
  const persistTo = mkdtempSync(join(tmpdir(), `edgetrader-${tag}-`));
  applyLocalMigrations(persistTo);
  const port = await freePort();
  const log = openSync(join(artifacts, `wrangler-${tag}.log`), "w");
  const { child, url } = await startWranglerDev({ port, persistTo, extraArgs, stdio: ["ignore", log, log] });
  return {
    url,
    stop: async () => {
      await stopWranglerDev(child);
      closeSync(log);
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

export class Api {
  constructor(
    readonly base: string,
    public token = "",
  ) {}

  /** JSON call; 429s (the per-user API limiter) are waited out and retried. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 429 && attempt < 60) {
        await new Promise((r) => setTimeout(r, 1000 * Math.max(1, Number(res.headers.get("Retry-After") ?? "1"))));
        continue;
      }
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    }
  }

  async register(): Promise<{ userId: string }> {
    const r = await this.call<{ user: { id: string }; access_token: string }>("POST", "/auth/register", {
      email: `e2e-${crypto.randomUUID()}@example.com`,
      password: "correct horse battery staple",
    });
    if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
    this.token = r.body.access_token;
    return { userId: r.body.user.id };
  }
}

export type Event = { seq: number; type: string; at: number; data: Record<string, unknown> };

/** A browser-like client of /ws: every event kept, waits by predicate. */
export class BrowserClient {
  readonly events: Event[] = [];
  private waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  private constructor(readonly ws: WebSocket) {}

  static async open(base: string, accessToken: string): Promise<BrowserClient> {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws`, ["edgetrader.v1", `bearer.${accessToken}`]);
    const c = new BrowserClient(ws);
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as Event;
      if (typeof f.seq !== "number") return;
      c.events.push(f);
      for (const w of [...c.waiters])
        if (w.pred(f)) {
          c.waiters.splice(c.waiters.indexOf(w), 1);
          w.resolve(f);
        }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return c;
  }

  /** The first event (already seen or future) matching pred. */
  wait(pred: (e: Event) => boolean, timeoutMs = 20_000, what = "event"): Promise<Event> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  close(): void {
    this.ws.close();
  }
}

export async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
  what = "condition",
  /** What the error shows of the last value (default: its JSON, cut at 500 characters). */
  show: (v: T) => unknown = (v) => JSON.stringify(v).slice(0, 500),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(show(v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** HTTP status of a WebSocket upgrade (101 when accepted; the socket is closed right away). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"), { headers });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("open", () => {
      resolve(101);
      ws.close();
    });
    ws.once("error", (e) => reject(e));
  });
}
