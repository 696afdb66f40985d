import { fileURLToPath } from "node:url";
import { defineConfig } from "@solidjs/start/config";

const core = fileURLToPath(new URL("../core", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Client-only SPA: no SSR, static preset. `vinxi build` prerenders one HTML shell; scripts/build-web.mjs
 * copies `.output/public` to `web/dist`, which wrangler.toml serves as Workers static assets
 * (SPA fallback to /index.html), so the API, socket and dashboard share one origin.
 */
export default defineConfig({
  ssr: false,
  server: { preset: "static" },
  appRoot: "./src",
  vite: {
    resolve: { alias: { "@core": core } },
    // Shared zod schemas/types live outside web/: let the dev server read them.
    server: { fs: { allow: [repoRoot] } },
    build: { target: "es2022", sourcemap: false },
  },
});
