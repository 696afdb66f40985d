import type {
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
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`${BASE}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
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
};
