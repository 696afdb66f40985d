// The Worker: API + sockets + dashboard assets (served by the assets binding before this runs).
import { createApp } from "./app";
import { runCron } from "./cron";
import type { Env } from "../platform/env";

export { UserBot } from "../durable-objects/user-bot";
export { MetricsObject } from "../durable-objects/metrics/metrics-object";
export { DeltaMarket } from "../durable-objects/delta-market/delta-market";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, _ctx) {
    const report = await runCron(env, controller.scheduledTime);
    console.log(JSON.stringify({ msg: "cron", ...report, errors: report.errors.slice(0, 5) }));
  },
} satisfies ExportedHandler<Env>;
