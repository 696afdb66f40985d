// Request/response types the dashboard uses, inferred from the shared zod schemas in core/protocol.
// Type-only imports: zod itself never enters the browser bundle (the server validates; the client
// trusts its own API's typed answers and surfaces the error JSON when it refuses).
export type { ApiError } from "@core/protocol/errors";
export type { Health, HealthCheck } from "@core/protocol/health";
export type { BrowserPong, BrowserWelcome, SocketErrorFrame } from "@core/protocol/browser-socket";
export type { AuthSession, LoginRequest, RegisterRequest, RefreshRequest, LogoutRequest, User } from "@core/protocol/auth";
export type {
  ConnectorToken,
  ConnectorTokenList,
  CreateConnectorTokenRequest,
  CreatedConnectorToken,
} from "@core/protocol/connector-tokens";

/** What the email + password forms submit (register and login bodies share the shape). */
export type Credentials = { email: string; password: string };
