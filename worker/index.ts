// The Worker: API + sockets + dashboard assets (served by the assets binding before this runs).
import { createApp } from "./app";
import type { Env } from "./env";

export { UserBot } from "../durable-objects/user-bot";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {
    // Cycles arrive with the bot-object issue; the trigger is wired now so `/__scheduled` works.
  },
} satisfies ExportedHandler<Env>;
