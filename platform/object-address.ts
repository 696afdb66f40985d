import type { Timeframe } from "../core/market/timeframes";
import type { Env } from "./env";
import { deltaMarketName } from "./rpc/delta-market";

/** Header the Worker sets on requests it forwards to a user's object (never taken from a client). */
export const USER_ID_HEADER = "X-Edgetrader-User";
/** The verified session (refresh-token family) of a browser socket, so signing it out can close it. */
export const SESSION_ID_HEADER = "X-Edgetrader-Session";

/** Header the Worker sets on the forwarded connector upgrade: the verified connector token's id. */
export const CONNECTOR_TOKEN_ID_HEADER = "X-Edgetrader-Connector-Token";

/**
 * The user's object. The only way to reach it: the name is the verified token subject, so a
 * request parameter can never select another user's object.
 */
export function userObject(env: Env, verifiedSubject: string) {
  return env.USER_BOT.get(env.USER_BOT.idFromName(verifiedSubject));
}

/** The Delta market object of one symbol and timeframe (shared by every user). */
export function deltaMarket(env: Env, symbol: string, timeframe: Timeframe) {
  return env.DELTA_MARKET.get(env.DELTA_MARKET.idFromName(deltaMarketName(symbol, timeframe)));
}
