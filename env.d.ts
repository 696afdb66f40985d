// Types the `cloudflare:test` env and `cloudflare:workers` exports (tests run inside workerd).
import type { Env as WorkerEnv } from "./platform/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import("./worker/index");
      durableNamespaces: "UserBot";
    }
  }
}
