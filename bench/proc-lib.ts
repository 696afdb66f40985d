// /proc readings for the benches that measure workerd from outside (Linux only): which process is
// which, and how much memory it holds.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Descendant PIDs of pid (wrangler -> workerd). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(d), ...descendants(Number(d)));
    } catch {
      /* process gone */
    }
  }
  return out;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

/** The workerd processes among pid's descendants. */
export function workerdPids(pid: number): number[] {
  return descendants(pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd");
    } catch {
      return false;
    }
  });
}

/** The process (among `candidates`) listening on 127.0.0.1:port, from /proc/net/tcp and each one's fds. */
export function pidListeningOn(port: number, candidates: readonly number[]): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set(
    readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === "0A") // 0A = LISTEN
      .map((f) => f[9]!),
  );
  for (const pid of candidates) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return pid;
      }
    } catch {
      /* process gone or fd closed meanwhile */
    }
  }
  throw new Error(`no process among ${candidates.join(", ")} listens on port ${port}`);
}
