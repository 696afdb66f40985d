// The Worker: API + sockets + dashboard assets (served by the assets binding before this runs).

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
    console.log(JSON.stringify({ msg: "cron", ...report, errors: report.errors.slice(0, 5) }));
  },
} satisfies ExportedHandler<Env>;
