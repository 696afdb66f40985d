import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** Builds the single-file connector (the artefact users run) into dir. */
export function buildBundle(dir: string): string {
  const out = join(dir, "edgetrader-connector.mjs");
  const r = spawnSync(process.execPath, [join(root, "connector/build.mjs"), "--outfile", out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  return out;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The connector as a separate OS process, killable with SIGKILL. */
export class ChildConnector {
  private child: ChildProcess | null = null;
  output = "";
  starts = 0;
  readonly configPath: string;

  constructor(
    private readonly bundle: string,
    dir: string,
    config: Record<string, unknown>,
  ) {
    this.configPath = join(dir, "connector.json");
    writeFileSync(this.configPath, JSON.stringify(config));
  }

  start(): void {
    this.starts++;
    const child = spawn(process.execPath, [this.bundle, "--config", this.configPath], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child = child;
  }

  /** SIGKILL: no shutdown code runs, like a power cut or a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGKILL");
    await exited;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }
}
