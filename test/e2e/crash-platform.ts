// wrangler dev that can be crashed (SIGKILL of wrangler and every process under it: workerd gets
// no chance to flush anything) and started again on the same port and persistence dir.

import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface WranglerLib {
  applyLocalMigrations(persistTo?: string): string;
  startWranglerDev(o: {
    port: number;
    persistTo?: string;
    extraArgs?: string[];
    stdio?: unknown;
  }): Promise<{ child: ChildProcess; url: string }>;
  stopWranglerDev(child: ChildProcess): Promise<void>;
}
const lib = async <T>(name: string): Promise<T> =>
  (await import(pathToFileURL(join(ROOT, "scripts/lib", name)).href)) as T;

/** Parent PID of every live process (Linux /proc). */
function parentMap(): Map<number, number> {
  const m = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces/parens, so parse after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      m.set(Number(d), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  return m;
}

/** root and all its descendants, by PID. */
export function processTree(root: number): number[] {
  const parents = parentMap();
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parents) if (ppid === out[i]) out.push(pid);
  return out;
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");

export class CrashablePlatform {
  private child: ChildProcess | null = null;
  private logFd: number | null = null;
  url = "";
  starts = 0;

  constructor(
    readonly persistTo: string,
    readonly port: number,
    private readonly extraArgs: string[],
    private readonly tag: string,
  ) {}

  static async prepare(persistTo: string): Promise<void> {
    (await lib<{ ensureDevVars(): unknown }>("dev-vars.mjs")).ensureDevVars();
    (await lib<WranglerLib>("wrangler.mjs")).applyLocalMigrations(persistTo);
  }

  async start(): Promise<string> {
    const { startWranglerDev } = await lib<WranglerLib>("wrangler.mjs");
    const artifacts = join(ROOT, "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    this.logFd = openSync(join(artifacts, `wrangler-${this.tag}-${this.starts++}.log`), "w");
    const { child, url } = await startWranglerDev({
      port: this.port,
      persistTo: this.persistTo,
      extraArgs: this.extraArgs,
      stdio: ["ignore", this.logFd, this.logFd],
    });
    this.child = child;
    this.url = url;
    return url;
  }

  /** kill -9 wrangler and everything it spawned (workerd included), then wait until all are gone. */
  async crash(): Promise<number[]> {
    const child = this.child;
    if (!child?.pid) throw new Error("not running");
    const pids = processTree(child.pid);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 15_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (pids.some(alive)) throw new Error(`processes survived SIGKILL: ${pids.filter(alive).join(",")}`);
    this.closeLog();
    this.child = null;
    return pids;
  }

  /** Graceful stop; safe to call when not running (used in finally). */
  async stop(): Promise<void> {
    if (this.child) {
      const pids = this.child.pid ? processTree(this.child.pid) : [];
      await (await lib<WranglerLib>("wrangler.mjs")).stopWranglerDev(this.child);
      for (const pid of pids.filter(alive)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      this.child = null;
    }
    this.closeLog();
  }

  private closeLog(): void {
    if (this.logFd !== null) closeSync(this.logFd);
    this.logFd = null;
  }
}

export type Frame = {
  seq?: number;
  type: string;
  at?: number;
  data?: unknown;
  since?: number;
  oldest_seq?: number;
  latest_seq?: number;
};

/** A browser-like /ws client that keeps every frame (events with seq and resync_required) and survives the server dying. */
export class RecordingSocket {
  readonly frames: Frame[] = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {}

  static async open(base: string, token: string, since?: number): Promise<RecordingSocket> {
    const q = since === undefined ? "" : `?since=${since}`;
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws${q}`, ["edgetrader.v1", `bearer.${token}`]);
    const s = new RecordingSocket(ws);
    ws.on("message", (data) => s.frames.push(JSON.parse(String(data)) as Frame));
    ws.on("close", () => (s.closed = true));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.on("error", () => {}); // the server being killed is expected here
    return s;
  }

  events(): (Frame & { seq: number })[] {
    return this.frames.filter((f): f is Frame & { seq: number } => typeof f.seq === "number");
  }

  lastSeq(): number | undefined {
    return this.events().at(-1)?.seq;
  }

  close(): void {
    this.ws.terminate();
  }
}
