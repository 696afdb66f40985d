// Starts the local Delta server (scripts/delta-sim/run.ts, through tsx) as a child process and
// resolves with its URL once it listens. Used by `npm start` and the Node-side end-to-end tests.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ROOT } from "./wrangler.mjs";

export async function startDeltaSimProcess({ port = 0, speed = 60, timeoutMs = 60_000 } = {}) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/delta-sim/run.ts", "--port", String(port), "--speed", String(speed)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("delta-sim did not start in time")), timeoutMs);
    child.once("exit", (code) => reject(new Error(`delta-sim exited with ${code}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^delta-sim listening (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return {
    child,
    url,
    /** wrangler dev --var flags that point the Worker's Delta client at this server. */
    vars: ["--var", `DELTA_REST_URL:${url}`, "--var", `DELTA_WS_URL:${url.replace(/^http/, "ws")}`],
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
