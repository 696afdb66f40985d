import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import * as schema from "./schema";

/** Drizzle over the D1 binding; cheap, so made per request. */
export function db(env: Pick<Env, "DB">) {
  return drizzle(env.DB, { schema });
}
export type Db = ReturnType<typeof db>;
