import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// The local Delta server's port for the workers project (test/workers/delta-sim.global-setup.ts starts it there).
process.env["DELTA_SIM_PORT"] ??= String(
  await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  }),
);

export default defineConfig({
  test: {
    projects: [
      {
        // Runtime-agnostic core, trainer, backtester and connector: plain Node.
        test: {
          name: "node",
          include: [
            "core/**/*.test.ts",
            "models/**/*.test.ts",
            "connector/**/*.test.ts",
            "scripts/**/*.test.ts",
            "test/node/**/*.test.ts",
          ],
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
          cloudflareTest(async () => {
            const delta = `127.0.0.1:${process.env["DELTA_SIM_PORT"]}`;
            return {
              wrangler: { configPath: here("./wrangler.toml") },
              miniflare: {
                bindings: {
                  JWT_SECRET: "test-secret-test-secret-test-secret-0123456789",
                  TEST_MIGRATIONS: await readD1Migrations(here("./migrations")),
                  DELTA_REST_URL: `http://${delta}`,
                  DELTA_WS_URL: `ws://${delta}`,
                },
              },
            };
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/apply-migrations.ts"],
          // Node side: models + onnxruntime-node outputs for the ORT parity test (provide/inject).
          globalSetup: ["./test/workers/native-reference.global-setup.ts", "./test/workers/delta-sim.global-setup.ts"],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
