import { z } from "zod";
import { AccountInfoSchema, BrokerKindSchema } from "./connector";

/**
 * The user's connector as the browser sees it (CONNECTOR_STATUS event, GET /connector/status):
 * whether the connector socket is up, and the terminal/account it last reported (STATUS_UPDATE or
 * SYNC_RESPONSE). `account` is the broker's, not the paper account.
 */
export const ConnectorStatusViewSchema = z.object({
  online: z.boolean(),
  broker: BrokerKindSchema.nullable(),
  connector_version: z.string().nullable(),
  terminal_connected: z.boolean(),
  account: AccountInfoSchema.nullable(),
  /** Commands waiting for a result (sent or waiting for the connector). */
  pending_commands: z.number().int().nonnegative(),
  connected_at: z.number().int().nullable(),
  updated_at: z.number().int(),
  /** Why it went offline (close code/reason), when it did. */
  reason: z.string().nullable(),
});
export type ConnectorStatusView = z.infer<typeof ConnectorStatusViewSchema>;
