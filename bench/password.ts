// CPU cost of one password hash / login with the production parameters (Node, pure-JS argon2id).
// Run: npx tsx bench/password.ts [N]   -> prints JSON and writes bench/results/password.json
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { CURRENT_PARAMS, hashPassword, verifyPassword } from "../worker/auth/password";

const N = Number(process.argv[2] ?? process.env.BENCH_N ?? 20);
const PASSWORD = "correct horse battery staple";

interface Stats {
  n: number;
  median_ms: number;
  p95_ms: number;
  min_ms: number;
  max_ms: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, median_ms: r(at(0.5)), p95_ms: r(at(0.95)), min_ms: r(s[0]!), max_ms: r(s[s.length - 1]!) };
}

/** Wall and CPU (user+system) time per call. */
async function measure(n: number, fn: () => unknown | Promise<unknown>) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: stats(wall), cpu: stats(cpu) };
}

async function pbkdf2(iterations: number) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(PASSWORD), "PBKDF2", false, ["deriveBits"]);
  await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: crypto.getRandomValues(new Uint8Array(16)), iterations },
    key,
    256,
  );
}

hashPassword(PASSWORD); // warm-up (JIT)
const stored = hashPassword(PASSWORD);
const result = {
  what: "argon2id via @noble/hashes (pure JS), one call per sample",
  params: { ...CURRENT_PARAMS, salt_bytes: 16, hash_bytes: 32 },
  runtime: { node: process.version, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length },
  hash: await measure(N, () => hashPassword(PASSWORD)),
  // A login is one verify (unknown emails verify against a dummy hash: same cost).
  login_verify: await measure(N, () => verifyPassword(PASSWORD, stored)),
  // For comparison: the most PBKDF2 Workers' WebCrypto allows (OWASP asks for 600k with SHA-256).
  pbkdf2_sha256_100k_webcrypto: await measure(N, () => pbkdf2(100_000)),
  measured_at: new Date().toISOString(),
};

mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/password.json", import.meta.url), JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result, null, 2));
