// Pieces shared by the benches that write the common result shape (scripts/bench.mjs) and start
// their own wrangler dev: the machine line and a free local port.
import { createServer } from "node:net";
import { cpus, loadavg, platform, release } from "node:os";

/** The `machine` field of a common-shape result. */
export const commonMachine = () => ({
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  node: process.version,
  os: `${platform()} ${release()}`,
  loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
});

/** A port on 127.0.0.1 that was free a moment ago. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
