import { CSRF_HEADER, CSRF_HEADER_VALUE } from "@core/accounts/session-cookie";
import type {
  ActiveBot,
  ActivityView,
  AnalyticsDailyResponse,
  AuthSession,
  AutoTradingHealth,
  Bot,
  BotRunStatus,
  CandlesResponse,
  ChangePasswordRequest,
  ConnectorStatusView,
  ConnectorTokenList,
  CreateBotRequest,
  CreateConnectorTokenRequest,
  CreatedConnectorToken,
  CycleResult,
  ExecutePlanRequest,
  ExecutionResult,
  Health,
  LoginRequest,
  ManualTradeRequest,
  MarketClosed,
  MarketSource,
  ModelPredictBody,
  PortfolioStatus,
  PositionCommandAccepted,
  PositionView,
  Prediction,
  RegisterRequest,
  SymbolMarket,
  Timeframe,
  TradesHistoryResponse,
  TrainAccepted,
  TrainJob,
  TrainRequest,
  UpdateBotRequest,
  UploadedArtifact,
} from "./contracts";
import { ApiRequestError, toApiRequestError } from "./errors";
import { clearSession, currentAccessToken, hasSession, storeTokens } from "./session";

const BASE = "/api/v1";
type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface RequestOptions {
  body?: unknown;
  /** Raw bytes (e.g. an ONNX file) sent as application/octet-stream instead of a JSON body. */
  raw?: Blob;
  /** Send the access token and refresh it once on 401 (default true). */
  auth?: boolean;
  /** Statuses whose JSON body is a normal answer rather than an error (e.g. 503 from health). */
  okStatuses?: number[];
}

async function readBody(res: Response): Promise<{ json: unknown; text: string }> {
  const text = await res.text();
  if (!text) return { json: undefined, text };
  try {
    return { json: JSON.parse(text) as unknown, text };
  } catch {
    return { json: undefined, text };
  }
}

async function send(method: Method, path: string, opts: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.raw !== undefined) headers["Content-Type"] = "application/octet-stream";
  else if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  // The refresh cookie's routes refuse requests without it (CSRF); harmless on the others.
  if (path.startsWith("/auth/")) headers[CSRF_HEADER] = CSRF_HEADER_VALUE;
  return fetch(`${BASE}${path}`, {
    method,
    headers,
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    credentials: "same-origin",
  });
}

let refreshing: Promise<string> | null = null;

/**
 * Exchanges the refresh cookie for a new access token (and a rotated cookie). One refresh at a time
 * per tab (shared promise) and across tabs (Web Locks): the server rotates refresh tokens and treats
 * reuse of an old one as theft, so two tabs racing with the same cookie would sign the user out
 * everywhere. Only 401/403 end the session; 429 and 5xx are passing troubles the caller retries.
 */
export function refreshAccessToken(): Promise<string> {
  refreshing ??= (async () => {
    const run = async (): Promise<string> => {
      if (!hasSession()) throw new ApiRequestError(401, "unauthorized", "signed out");
      // Inside the lock: the browser sends the cookie as it is now, so a tab that waited for
      // another tab's rotation sends the rotated one.
      const res = await send("POST", "/auth/refresh", { auth: false }, null);
      const { json, text } = await readBody(res);
      if (!res.ok) {
        if (res.status === 401 || res.status === 403) clearSession();
        throw toApiRequestError(res.status, json, text);
      }
      const session = json as AuthSession;
      storeTokens(session, session.user);
      return session.access_token;
    };
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    return locks ? locks.request("edgetrader.refresh", run) : run();
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A fresh access token for the socket handshake (refreshes when missing or about to expire). */
export async function accessTokenForSocket(): Promise<string> {
  return currentAccessToken() ?? refreshAccessToken();
}

/** Sends with the access token; an expired or revoked one is refreshed once and the request retried. */
async function sendAuthed(method: Method, path: string, opts: RequestOptions): Promise<Response> {
  const auth = opts.auth ?? true;
  let token = auth ? currentAccessToken() : null;
  if (auth && !token && hasSession()) token = await refreshAccessToken();
  let res = await send(method, path, opts, token);
  if (auth && res.status === 401 && hasSession()) {
    token = await refreshAccessToken();
    res = await send(method, path, opts, token);
  }
  return res;
}

export async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await sendAuthed(method, path, opts);
  const { json, text } = await readBody(res);
  if (!res.ok && !opts.okStatuses?.includes(res.status)) throw toApiRequestError(res.status, json, text);
  return json as T;
}

/**
 * A list route's CSV export (`format=csv` added to `path`), saved by the browser under the name the
 * server gives. Fetched (not a plain link) because the access token lives in memory, not a cookie.
 */
export async function downloadCsv(path: string): Promise<string> {
  const url = `${path}${path.includes("?") ? "&" : "?"}format=csv`;
  const res = await sendAuthed("GET", url, {});
  if (!res.ok) {
    const { json, text } = await readBody(res);
    throw toApiRequestError(res.status, json, text);
  }
  const filename = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "export.csv";
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await res.blob());
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
  return filename;
}

export const api = {
  /** Deep checks (D1, objects, R2, migrations): signed-in only; the public /health is liveness. */
  health: () => request<Health>("GET", "/health/checks", { okStatuses: [503] }),

  async register(body: RegisterRequest): Promise<AuthSession> {
    const r = await request<AuthSession>("POST", "/auth/register", { body, auth: false });
    storeTokens(r, r.user);
    return r;
  },
  async login(body: LoginRequest): Promise<AuthSession> {
    const r = await request<AuthSession>("POST", "/auth/login", { body, auth: false });
    storeTokens(r, r.user);
    return r;
  },
  /**
   * Ends this session server-side (the cookie and its access tokens). Cleared locally first: the
   * server closes this session's socket as it revokes it, and a reload triggered by that close must
   * not run with the revoked token (it answered 401).
   */
  async logout(): Promise<void> {
    clearSession();
    await request<unknown>("POST", "/auth/logout", { auth: false });
  },
  /** Ends every session of the account, this one included. */
  async logoutEverywhere(): Promise<void> {
    try {
      await request<unknown>("POST", "/auth/logout-all");
    } finally {
      clearSession();
    }
  },
  /** Other sessions end; this browser gets a new one. */
  async changePassword(body: ChangePasswordRequest): Promise<AuthSession> {
    const r = await request<AuthSession>("POST", "/auth/password", { body });
    storeTokens(r, r.user);
    return r;
  },

  connectors: {
    list: async () => (await request<ConnectorTokenList>("GET", "/connectors")).connectors,
    create: (name: string) => {
      const body: CreateConnectorTokenRequest = { name };
      return request<CreatedConnectorToken>("POST", "/connectors", { body });
    },
    revoke: (id: string) => request<unknown>("DELETE", `/connectors/${encodeURIComponent(id)}`),
  },

  bots: {
    list: async () => (await request<{ models: Bot[] }>("GET", "/ml/models")).models,
    get: (id: string) => request<Bot>("GET", `/ml/models/${enc(id)}`),
    create: (body: CreateBotRequest) => request<Bot>("POST", "/ml/models", { body }),
    update: (id: string, body: UpdateBotRequest) => request<Bot>("PATCH", `/ml/models/${enc(id)}`, { body }),
    remove: (id: string) => request<unknown>("DELETE", `/ml/models/${enc(id)}`),
    /** The activate answer is the bot; fields beyond it (backtest, warnings) are shown when present. */
    activate: (id: string) =>
      request<Bot & { backtest?: unknown; warnings?: unknown }>("POST", `/ml/models/${enc(id)}/activate`),
    deactivate: (id: string) => request<Bot>("POST", `/ml/models/${enc(id)}/deactivate`),
    /** A prediction, or (outside the market's hours) `{status: "market_closed", opens_at}`. */
    predict: (id: string, body: Partial<ModelPredictBody> = {}) =>
      request<Prediction | MarketClosed>("POST", `/ml/models/${enc(id)}/predict`, { body }),
    execute: (id: string, body: ExecutePlanRequest = {}) =>
      request<ExecutionResult>("POST", `/ml/models/${enc(id)}/execute`, { body }),
    uploadArtifact: (id: string, timeframe: Timeframe, file: Blob) =>
      request<UploadedArtifact>("PUT", `/ml/models/${enc(id)}/artifact?timeframe=${enc(timeframe)}`, { raw: file }),
    train: (id: string, body: TrainRequest | { timeframe: Timeframe }) =>
      request<TrainAccepted>("POST", `/ml/models/${enc(id)}/train`, { body }),
    trainJob: (id: string, jobId: string) => request<TrainJob>("GET", `/ml/models/${enc(id)}/train/${enc(jobId)}`),
  },

  portfolio: () => request<PortfolioStatus>("GET", "/portfolio/status"),
  positions: async () => (await request<{ positions: PositionView[] }>("GET", "/positions")).positions,
  trades: (q: {
    bot_id?: string;
    symbol?: string;
    status?: string;
    from?: number;
    to?: number;
    limit?: number;
    cursor?: string;
  }) => request<TradesHistoryResponse>("GET", `/trades/history${query(q)}`),
  analyticsDaily: (days = 30) => request<AnalyticsDailyResponse>("GET", `/analytics/daily${query({ days })}`),
  activities: async (limit = 100) =>
    (await request<{ activities: ActivityView[] }>("GET", `/activities/recent${query({ limit })}`)).activities,
  trade: (body: ManualTradeRequest) => request<ExecutionResult>("POST", "/trade", { body }),
  connectorStatus: () => request<ConnectorStatusView>("GET", "/connector/status"),
  /** Position commands (paper and connector alike); `client_id` makes a retried click act once. */
  closePosition: (id: string, body: { volume?: number; client_id?: string } = {}) =>
    request<PositionCommandAccepted>("POST", `/positions/${enc(id)}/close`, { body }),
  modifyPosition: (id: string, body: { sl?: number | null; tp?: number | null; client_id?: string }) =>
    request<PositionCommandAccepted>("POST", `/positions/${enc(id)}/modify`, { body }),
  breakeven: (id: string, body: { offset?: number; client_id?: string } = {}) =>
    request<PositionCommandAccepted>("POST", `/positions/${enc(id)}/breakeven`, { body }),
  candles: (symbol: string, timeframe: Timeframe, limit = 300) =>
    request<CandlesResponse>("GET", `/market/candles${query({ symbol, timeframe, limit })}`),
  marketSources: async () => (await request<{ sources: MarketSource[] }>("GET", "/market/sources")).sources,
  /** What a bot on `symbol` can run on: served timeframes, shipped models, default ensemble. */
  symbolMarket: (symbol: string) => request<SymbolMarket>("GET", `/market/symbols/${enc(symbol)}`),

  autoTrading: {
    trigger: async () => (await request<{ results: CycleResult[] }>("POST", "/ml/auto-trading/trigger")).results,
    status: async () => (await request<{ bots: BotRunStatus[] }>("GET", "/ml/auto-trading/status")).bots,
    health: () => request<AutoTradingHealth>("GET", "/ml/auto-trading/health"),
    activeBots: async () => (await request<{ bots: ActiveBot[] }>("GET", "/ml/dashboard/active-bots")).bots,
  },
};

function enc(s: string): string {
  return encodeURIComponent(s);
}

/** `?a=1&b=x` from the defined values only. */
export function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}
