// The Worker: API + sockets + dashboard assets (served by the assets binding before this runs).

import { pruneLoginThrottle } from "../platform/auth/login-throttle";
import type { Env } from "../platform/env";
import { createApp } from "./app";
import { runCron } from "./cron";

export { DeltaMarket } from "../durable-objects/delta-market/delta-market";
export { MetricsObject } from "../durable-objects/metrics/metrics-object";
export { UserBot } from "../durable-objects/user-bot";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, _ctx) {
    const report = await runCron(env, controller.scheduledTime);
    // Housekeeping after the cycles; its failure is logged and retried at the next fire.
    const pruned = await pruneLoginThrottle(env.DB, controller.scheduledTime).catch((e: unknown) => String(e));
    console.log(
      JSON.stringify({ msg: "cron", ...report, errors: report.errors.slice(0, 5), loginThrottlePruned: pruned }),
    );
  },
} satisfies ExportedHandler<Env>;
