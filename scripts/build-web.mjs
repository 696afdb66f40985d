#!/usr/bin/env node
// Builds the SolidStart dashboard (web/) and puts the static files in web/dist, the directory
// wrangler.toml's [assets] serves. vinxi writes to web/.output/public; we copy from there, leaving
// out the .gz/.br twins (Cloudflare compresses assets itself) and Vite's manifest.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { externalizeInlineScripts, headersFile } from "./lib/csp-assets.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web");
const out = join(web, ".output", "public");
const dist = join(web, "dist");
const vinxi = join(root, "node_modules", ".bin", process.platform === "win32" ? "vinxi.cmd" : "vinxi");

function fail(message, hint) {
  console.error(`\nbuild-web: ${message}`);
  if (hint) console.error(`  ${hint}`);
  process.exit(1);
}

if (!existsSync(vinxi)) fail(`vinxi not found at ${relative(root, vinxi)}`, "run `npm install` first");

const started = Date.now();
console.log("build-web: building the dashboard with vinxi (SolidStart SPA) ...");
const quiet = process.argv.includes("--quiet");
const res = spawnSync(vinxi, ["build"], {
  cwd: web,
  stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
  env: { ...process.env, NODE_ENV: "production" },
  encoding: "utf8",
});
if (res.error) fail(`could not run vinxi: ${res.error.message}`);
if (res.status !== 0) {
  if (quiet) process.stderr.write(`${res.stdout ?? ""}${res.stderr ?? ""}`);
  fail(
    `vinxi build failed (exit ${res.status})`,
    "see the compiler output above; `tsc -p web/tsconfig.json` gives type errors",
  );
}
if (!existsSync(join(out, "index.html"))) {
  fail(
    `vinxi finished but ${relative(root, out)}/index.html is missing`,
    "check web/app.config.ts (ssr:false, static preset)",
  );
}

rmSync(dist, { recursive: true, force: true });
cpSync(out, dist, {
  recursive: true,
  // _server/ holds the prerenderer's copy of the CSS; the page links the _build/ one.
  filter: (src) =>
    !/\.(gz|br)$/.test(src) && !src.includes(join("_build", ".vite")) && !src.startsWith(join(out, "_server")),
});

// Strict CSP (no inline script): move the shell's inline scripts into files, and give the static
// assets the same security headers as the Worker's responses (assets are served before it runs).
const moved = externalizeInlineScripts(dist);
writeFileSync(join(dist, "_headers"), headersFile());
console.log(`build-web: ${moved} inline script(s) moved to files; _headers written`);

let files = 0;
let bytes = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(p);
    else {
      files += 1;
      bytes += s.size;
    }
  }
};
walk(dist);
console.log(
  `build-web: ${files} files, ${(bytes / 1024).toFixed(1)} KiB in ${relative(root, dist)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
