import { z } from "zod";
import { TerminalIdentitySchema } from "../../core/protocol/connector";

export const CONNECTOR_TAG = "connector";

/** Per-socket state of a connector socket (survives hibernation; instance fields do not). */
export const ConnectorAttachmentSchema = z.object({
  kind: z.literal("connector"),
  userId: z.string(),
  tokenId: z.string(),
  connectedAt: z.number().int(),
  authed: z.boolean(),
  /** Last time the token was found live in D1 (re-checked on PING at most every REVERIFY_MS). */
  verifiedAt: z.number().int(),
  sessionId: z.string(),
  /** The terminal (broker server + login) this socket speaks for; null until its hello or account names it. */
  terminal: TerminalIdentitySchema.nullable().default(null),
});
export type ConnectorAttachment = z.infer<typeof ConnectorAttachmentSchema>;

export { CONNECTOR_TOKEN_ID_HEADER } from "../../platform/object-address";
