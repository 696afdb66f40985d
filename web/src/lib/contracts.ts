// Request/response types the dashboard uses. Where a shared zod schema exists in core/protocol the
// type is inferred from it (type-only imports: zod itself never enters the browser bundle).
export type { ApiError } from "@core/protocol/errors";
export type { Health, HealthCheck } from "@core/protocol/health";
export type { BrowserPong, BrowserWelcome, SocketErrorFrame } from "@core/protocol/browser-socket";

// Auth and connector-token shapes as the API contract states them. TODO: switch to
// `import type { ... } from "@core/protocol/auth"` once that schema file lands.
export interface User {
  id: string;
  email: string;
}
export interface Credentials {
  email: string;
  password: string;
}
export interface AuthTokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}
export interface AuthResponse extends AuthTokens {
  user: User;
}
/** Refresh answers with a new token pair; `user` may or may not be included. */
export type RefreshResponse = AuthTokens & { user?: User };

export interface ConnectorToken {
  id: string;
  name: string;
  prefix: string;
  created_at: string | number;
  last_used_at?: string | number | null;
  revoked_at?: string | number | null;
}
/** Returned once on create: the only time the full token is visible. */
export interface CreatedConnector extends ConnectorToken {
  token: string;
}
