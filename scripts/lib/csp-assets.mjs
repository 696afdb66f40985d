// Build steps that let the dashboard run under the strict CSP of worker/middleware/security-headers.json.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const HEADERS_JSON = fileURLToPath(new URL("../../worker/middleware/security-headers.json", import.meta.url));
const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;

/**
 * SolidStart's prerendered shell carries its asset manifest as an inline <script>. Each inline
 * script becomes `_build/inline-<hash>.js`, loaded by a classic <script src> in the same place, so
 * it still runs before the (deferred) module entry. Returns how many were moved.
 */
export function externalizeInlineScripts(dist) {
  let moved = 0;
  for (const name of readdirSync(dist).filter((n) => n.endsWith(".html"))) {
    const path = join(dist, name);
    const html = readFileSync(path, "utf8").replace(INLINE_SCRIPT, (_all, code) => {
      const file = `inline-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`;
      writeFileSync(join(dist, "_build", file), code);
      moved += 1;
      return `<script src="/_build/${file}"></script>`;
    });
    writeFileSync(path, html);
  }
  return moved;
}

/** Cloudflare's `_headers` format: every asset path gets the Worker's security headers. */
export function headersFile() {
  const headers = JSON.parse(readFileSync(HEADERS_JSON, "utf8"));
  return `/*\n${Object.entries(headers)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join("\n")}\n`;
}
