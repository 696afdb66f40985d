// Single-file build of the connector: node connector/build.mjs [--outfile path]
// -> connector/dist/edgetrader-connector.mjs, runnable with plain `node` (no node_modules needed).

import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const i = process.argv.indexOf("--outfile");
const outfile = i !== -1 ? process.argv[i + 1] : here("./dist/edgetrader-connector.mjs");

export async function buildConnector(out = outfile) {
  await build({
    entryPoints: [here("./src/main.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: false,
    legalComments: "none",
    // ws loads these native speed-ups only if present.
    external: ["bufferutil", "utf-8-validate"],
    // ws is CommonJS and calls require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
  });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildConnector();
  console.log(`built ${out}`);
}
