import { DELTA_BASE_URLS } from "../../core/market/delta";
import { DELTA_SOCKET_URLS } from "../../core/market/delta-ws";
import type { Env } from "../../platform/env";

/**
 * Delta hosts from wrangler.toml vars (DELTA_REST_URL, DELTA_WS_URL): production points at Delta
 * India's pair; `npm start` and tests point both at the local Delta server. workerd opens outbound
 * sockets with fetch, so a ws(s):// URL is turned into http(s)://.
 */
export function deltaEndpoints(env: Pick<Env, "DELTA_REST_URL" | "DELTA_WS_URL">): { rest: string; socket: string } {
  const rest = env.DELTA_REST_URL || DELTA_BASE_URLS.india;
  const socket = (env.DELTA_WS_URL || DELTA_SOCKET_URLS.india).replace(/^ws(s?):\/\//, "http$1://");
  return { rest, socket };
}
