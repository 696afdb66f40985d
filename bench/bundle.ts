// Deploy bundle size: `wrangler deploy --dry-run --outdir <tmp>` (offline), then raw and gzip sizes
// of the JS modules and the wasm modules separately. Run: npx tsx bench/bundle.ts.
// Writes bench/results/bundle.json in the common shape (see scripts/bench.mjs).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { commonMachine } from "./common-shape";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** Workers paid plan: 10 MiB compressed per Worker (free plan: 3 MiB). */
const LIMIT_GZIP_BYTES = 10 * 1024 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const out = mkdtempSync(join(tmpdir(), "edgetrader-bundle-"));
try {
  const r = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", out], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
      CI: "true",
    },
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const sizes = {
    js: { raw: 0, gzip: 0, files: 0 },
    wasm: { raw: 0, gzip: 0, files: 0 },
    other: { raw: 0, gzip: 0, files: 0 },
  };
  for (const f of files(out)) {
    if (f.endsWith(".map")) continue;
    const bytes = readFileSync(f);
    const ext = extname(f);
    const kind = ext === ".js" || ext === ".mjs" ? "js" : ext === ".wasm" ? "wasm" : "other";
    sizes[kind].raw += bytes.length;
    sizes[kind].gzip += gzipSync(bytes, { level: 9 }).length;
    sizes[kind].files++;
  }
  const kib = (n: number) => Math.round((n / 1024) * 10) / 10;
  const totalGzip = sizes.js.gzip + sizes.wasm.gzip + sizes.other.gzip;
  const result = {
    name: "bundle",
    date: new Date().toISOString(),
    machine: commonMachine(),
    results: [
      { metric: `JS modules, raw (${sizes.js.files} files)`, value: kib(sizes.js.raw), unit: "KiB" },
      { metric: "JS modules, gzip -9", value: kib(sizes.js.gzip), unit: "KiB" },
      { metric: `wasm modules, raw (${sizes.wasm.files} files)`, value: kib(sizes.wasm.raw), unit: "KiB" },
      { metric: "wasm modules, gzip -9", value: kib(sizes.wasm.gzip), unit: "KiB" },
      {
        metric: `other modules (data/text), raw (${sizes.other.files} files)`,
        value: kib(sizes.other.raw),
        unit: "KiB",
      },
      { metric: "other modules, gzip -9", value: kib(sizes.other.gzip), unit: "KiB" },
      {
        metric: "whole upload, gzip -9 (Workers paid-plan limit 10 MiB)",
        value: kib(totalGzip),
        unit: "KiB",
        target: kib(LIMIT_GZIP_BYTES),
        targetOp: "<=",
        pass: totalGzip <= LIMIT_GZIP_BYTES,
      },
    ],
    wrangler_summary: (r.stdout.match(/Total Upload:.*$/m) ?? [""])[0],
  };
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "bundle.json"), `${JSON.stringify(result, null, 2)}\n`);
  for (const x of result.results) console.log(`${x.metric.padEnd(58)} ${String(x.value).padStart(10)} ${x.unit}`);
  console.log(result.wrangler_summary);
} finally {
  rmSync(out, { recursive: true, force: true });
}
