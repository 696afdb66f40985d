import type {
  ActiveBot,
  ActivityView,
  AnalyticsDailyResponse,
  AutoTradingHealth,
  Bot,
  BotRunStatus,
  CandlesResponse,
  ConnectorStatusView,
  CreateBotRequest,
  CycleResult,
  ExecutionResult,
  ManualTradeRequest,
  ModelPredictBody,
  PortfolioStatus,
  PositionView,
  MarketClosed,
  SymbolMarket,
  Prediction,
  Timeframe,
  TradesHistoryResponse,
  TrainAccepted,
  TrainJob,
  TrainRequest,
  UpdateBotRequest,
  UploadedArtifact,
  AuthSession,
  ConnectorTokenList,
  CreateConnectorTokenRequest,
  CreatedConnectorToken,
  Health,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
} from "./contracts";
import { ApiRequestError, toApiRequestError } from "./errors";
import { clearSession, currentAccessToken, refreshToken, storeTokens } from "./session";

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
  return fetch(`${BASE}${path}`, {
    method,
    headers,
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    credentials: "same-origin",
  });
}

let refreshing: Promise<string> | null = null;

/**
 * Exchanges the stored refresh token for a new pair. One refresh at a time per tab (shared promise)
 * and across tabs (Web Locks): the server rotates refresh tokens and treats reuse of an old one as
 * theft, so two tabs racing with the same token would sign the user out everywhere.
 */
export function refreshAccessToken(): Promise<string> {
  refreshing ??= (async () => {
    const run = async (): Promise<string> => {
      const stored = refreshToken(); // read inside the lock: another tab may have rotated it
      if (!stored) throw new ApiRequestError(401, "unauthorized", "signed out");
      const body: RefreshRequest = { refresh_token: stored };
      const res = await send("POST", "/auth/refresh", { body, auth: false }, null);
      const { json, text } = await readBody(res);
      if (!res.ok) {
        if (res.status === 400 || res.status === 401 || res.status === 403) clearSession();
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

export async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
  const auth = opts.auth ?? true;
  let token = auth ? currentAccessToken() : null;
  if (auth && !token && refreshToken()) token = await refreshAccessToken();
  let res = await send(method, path, opts, token);
  if (auth && res.status === 401 && refreshToken()) {
    // Expired or revoked access token: refresh once and retry the same request.
    token = await refreshAccessToken();
    res = await send(method, path, opts, token);
  }
  const { json, text } = await readBody(res);
  if (!res.ok && !opts.okStatuses?.includes(res.status)) throw toApiRequestError(res.status, json, text);
  return json as T;
}

export const api = {
  health: () => request<Health>("GET", "/health", { auth: false, okStatuses: [503] }),

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
  /** Revokes the refresh token server-side; the local session is cleared whatever the answer. */
  async logout(): Promise<void> {
    const stored = refreshToken();
    try {
      const body: LogoutRequest | undefined = stored ? { refresh_token: stored } : undefined;
      if (body) await request<unknown>("POST", "/auth/logout", { body, auth: false });
    } finally {
      clearSession();
    }
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
    activate: (id: string) => request<Bot & { backtest?: unknown; warnings?: unknown }>("POST", `/ml/models/${enc(id)}/activate`),
    deactivate: (id: string) => request<Bot>("POST", `/ml/models/${enc(id)}/deactivate`),
    /** A prediction, or (outside the market's hours) `{status: "market_closed", opens_at}`. */
    predict: (id: string, body: Partial<ModelPredictBody> = {}) => request<Prediction | MarketClosed>("POST", `/ml/models/${enc(id)}/predict`, { body }),
    execute: (id: string) => request<ExecutionResult>("POST", `/ml/models/${enc(id)}/execute`),
    uploadArtifact: (id: string, timeframe: Timeframe, file: Blob) =>
      request<UploadedArtifact>("PUT", `/ml/models/${enc(id)}/artifact?timeframe=${enc(timeframe)}`, { raw: file }),
    train: (id: string, body: TrainRequest | { timeframe: Timeframe }) => request<TrainAccepted>("POST", `/ml/models/${enc(id)}/train`, { body }),
    trainJob: (id: string, jobId: string) => request<TrainJob>("GET", `/ml/models/${enc(id)}/train/${enc(jobId)}`),
  },

  portfolio: () => request<PortfolioStatus>("GET", "/portfolio/status"),
  positions: async () => (await request<{ positions: PositionView[] }>("GET", "/positions")).positions,
  trades: (q: { bot_id?: string; symbol?: string; status?: string; from?: number; to?: number; limit?: number; cursor?: string }) =>
    request<TradesHistoryResponse>("GET", `/trades/history${query(q)}`),
  analyticsDaily: (days = 30) => request<AnalyticsDailyResponse>("GET", `/analytics/daily${query({ days })}`),
  activities: async (limit = 100) => (await request<{ activities: ActivityView[] }>("GET", `/activities/recent${query({ limit })}`)).activities,
  trade: (body: ManualTradeRequest) => request<ExecutionResult>("POST", "/trade", { body }),
  connectorStatus: () => request<ConnectorStatusView>("GET", "/connector/status"),
  closePosition: (id: string) => request<unknown>("POST", `/positions/${enc(id)}/close`, { body: {} }),
  candles: (symbol: string, timeframe: Timeframe, limit = 300) => request<CandlesResponse>("GET", `/market/candles${query({ symbol, timeframe, limit })}`),
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
function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}
