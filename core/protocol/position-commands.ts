import { z } from "zod";
import { PositionViewSchema, TradeViewSchema } from "./events";

/**
 * Requests that act on an open position, paper or connector alike (worker/routes/position-commands.ts).
 * A paper position changes at once (status "done", the new position/trade in the answer); a
 * connector position gets one connector command (TRADE_COMMAND CLOSE/MODIFY, UPDATE_SL,
 * MOVE_BREAKEVEN) and its outcome arrives later as events (position_updated / position_closed /
 * TRADE_ERROR). `cancel` withdraws a connector order that has not reached the connector yet.
 * `client_id` makes a request idempotent: the same id again returns the first answer and does nothing.
 */
const price = z.number().finite().positive();
const clientId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9:._-]+$/)
  .optional();

export const PositionIdParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .regex(/^[A-Za-z0-9:._-]+$/),
});

export const ClosePositionRequestSchema = z.strictObject({
  /** Partial close; absent: the whole position. */
  volume: z.number().finite().positive().max(10_000).optional(),
  client_id: clientId,
});
export const ModifyPositionRequestSchema = z
  .strictObject({ sl: price.nullable().optional(), tp: price.nullable().optional(), client_id: clientId })
  .refine((b) => b.sl !== undefined || b.tp !== undefined, {
    message: "sl or tp is required (null removes a level)",
    path: ["sl"],
  });
export const UpdateStopLossRequestSchema = z.strictObject({ sl: price, client_id: clientId });
export const MoveBreakevenRequestSchema = z.strictObject({
  /** Price distance beyond entry to lock in (BUY: entry + offset, SELL: entry - offset). */
  offset: z.number().finite().nonnegative().default(0),
  client_id: clientId,
});
export const CancelOrderRequestSchema = z.strictObject({ client_id: clientId });

export const PositionCommandKindSchema = z.enum(["close", "modify", "update_sl", "breakeven", "cancel"]);
export type PositionCommandKind = z.infer<typeof PositionCommandKindSchema>;

export const PositionCommandAcceptedSchema = z.object({
  /** done: applied (paper, or a cancel); pending: stored for the connector, the outcome follows as events. */
  status: z.enum(["pending", "done"]),
  command_id: z.string(),
  position_id: z.string(),
  kind: PositionCommandKindSchema,
  /** false: no connector online right now (or a paper position); a connector command waits until expires_at. */
  sent: z.boolean(),
  expires_at: z.number().int().nullable(),
  /** true: this client_id was seen before; this is the first answer and nothing was done again. */
  duplicate: z.boolean().optional(),
  /** status done: the position after the command (closed or reduced for a close). */
  position: PositionViewSchema.optional(),
  /** status done: the trade after the command (a partial close adds a leg). */
  trade: TradeViewSchema.optional(),
});
export type PositionCommandAccepted = z.infer<typeof PositionCommandAcceptedSchema>;

type Idem = { client_id?: string };
export type PositionCommandRequest =
  | ({ kind: "close"; volume?: number } & Idem)
  | ({ kind: "modify"; sl?: number | null; tp?: number | null } & Idem)
  | ({ kind: "update_sl"; sl: number } & Idem)
  | ({ kind: "breakeven"; offset: number } & Idem)
  | ({ kind: "cancel" } & Idem);

/** Why a command was refused (HTTP: not_found 404, conflict 409, rejected 422). */
export type PositionCommandRefusal = {
  ok: false;
  code: "not_found" | "conflict" | "rejected";
  message: string;
  details?: Record<string, string>;
};
export type PositionCommandOutcome = { ok: true; accepted: PositionCommandAccepted } | PositionCommandRefusal;
