// Bindings and vars from wrangler.toml (kept by hand so every name is documented in one place).
import type { MetricsRpc } from "./metrics";
import type { DeltaMarketRpc } from "./rpc/delta-market";
import type { UserBotRpc } from "./rpc/user-bot";

export interface RateLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface Env {
  DB: D1Database;
  MODELS: R2Bucket;
  USER_BOT: DurableObjectNamespace<UserBotRpc>;
  /** Singleton (named "global") holding durable metric totals; see platform/metrics.ts. */
  METRICS: DurableObjectNamespace<MetricsRpc>;
  ASSETS: Fetcher;
  AUTH_LIMITER: RateLimit;
  REFRESH_LIMITER: RateLimit;
  API_LIMITER: RateLimit;
  /** Connector socket upgrades per client IP (each costs a D1 token lookup). */
  CONNECTOR_AUTH_LIMITER: RateLimit;
  /** HS256 signing secret for access tokens (secret; generated into .dev.vars locally). */
  JWT_SECRET: string;
  /** Comma-separated list of browser origins allowed by CORS. */
  ALLOWED_ORIGINS: string;
  ACCESS_TOKEN_TTL_SECONDS: string;
  REFRESH_TOKEN_TTL_SECONDS: string;
  MAX_BODY_BYTES: string;
  LOG_LEVEL: string;
  /** One object per Delta Exchange market (symbol + timeframe): the shared upstream socket and its fan-out. */
  DELTA_MARKET: DurableObjectNamespace<DeltaMarketRpc>;
  /** Delta REST base (https://api.india.delta.exchange in production; the local Delta server under npm start and tests). */
  DELTA_REST_URL?: string;
  /** Delta socket URL (wss://socket.india.delta.exchange in production; same host pair as DELTA_REST_URL). */
  DELTA_WS_URL?: string;
  /** Speed of the replay market feed for new objects (1 = real time; `npm start` uses a faster demo speed). */
  REPLAY_SPEED?: string;
  /** ISO time the replay starts at for new objects (npm start's demo); unset: the seed picks. */
  REPLAY_START?: string;
}
