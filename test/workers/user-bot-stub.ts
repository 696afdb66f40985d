// A user's object typed by its class, for tests that reach inside it (runInDurableObject).
// Production code sees only the RPC interface (platform/rpc/user-bot.ts), which a stub of the
// interface can't be narrowed from: the cast is the one place tests step past it.
import { env } from "cloudflare:test";
import type { UserBot } from "../../durable-objects/user-bot";

export function userBot(name: string): DurableObjectStub<UserBot> {
  const ns = env.USER_BOT as unknown as DurableObjectNamespace<UserBot>;
  return ns.get(ns.idFromName(name));
}
