import type { Env } from "../platform/env";
import type { Logger } from "./lib/log";

/** Hono generics shared by every route and middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    log: Logger;
    /** Verified token subject; set only by requireAuth. */
    userId: string;
    /** Session (refresh-token family) of the verified access token; set only by requireAuth. */
    sessionId: string;
    role: "user" | "admin";
  };
}
