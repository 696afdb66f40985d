import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        // Runtime-agnostic core, trainer, backtester and connector: plain Node.
        test: {
          name: "node",
          include: ["core/**/*.test.ts", "models/**/*.test.ts", "connector/**/*.test.ts", "scripts/**/*.test.ts", "test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        // End to end on the real platform (wrangler dev) with real processes: plain Node, one file at a time.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // Worker + Durable Objects + D1 + R2 inside workerd.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: here("./wrangler.toml") },
            miniflare: {
              bindings: {
                JWT_SECRET: "test-secret-test-secret-test-secret-0123456789",
                TEST_MIGRATIONS: await readD1Migrations(here("./migrations")),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/apply-migrations.ts"],
          // Node side: models + onnxruntime-node outputs for the ORT parity test (provide/inject).
          globalSetup: ["./test/workers/native-reference.global-setup.ts"],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
