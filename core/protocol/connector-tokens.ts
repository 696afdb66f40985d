import { z } from "zod";
import { displayName } from "./display-name";

/** Connector tokens: "etc_" + 32 random bytes base64url. Shown once at creation, stored hashed. */
export const CONNECTOR_TOKEN_PREFIX = "etc_";
export const ConnectorTokenFormat = /^etc_[A-Za-z0-9_-]{43}$/;

export const CreateConnectorTokenRequestSchema = z.strictObject({
  name: displayName(64).describe("label, e.g. the Windows host it runs on"),
});

export const ConnectorTokenIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const ConnectorTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe("first 8 characters after etc_, to tell tokens apart"),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

/** Creation answer: the only time the token itself is returned. */
export const CreatedConnectorTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  token: z.string(),
  created_at: z.string(),
});

export const ConnectorTokenListSchema = z.object({ connectors: z.array(ConnectorTokenSchema) });

export type CreateConnectorTokenRequest = z.infer<typeof CreateConnectorTokenRequestSchema>;
export type ConnectorToken = z.infer<typeof ConnectorTokenSchema>;
export type CreatedConnectorToken = z.infer<typeof CreatedConnectorTokenSchema>;
export type ConnectorTokenList = z.infer<typeof ConnectorTokenListSchema>;
