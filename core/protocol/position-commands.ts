import { z } from "zod";

/**
 * Requests that act on an open connector position (worker/routes/position-commands.ts). Each becomes
 * one connector command (TRADE_COMMAND CLOSE/MODIFY, UPDATE_SL, MOVE_BREAKEVEN); the outcome
 * arrives later as events (position_updated / position_closed / TRADE_ERROR).
 */
const price = z.number().finite().positive();

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
});
export const ModifyPositionRequestSchema = z
  .strictObject({ sl: price.nullable().optional(), tp: price.nullable().optional() })
  .refine((b) => b.sl !== undefined || b.tp !== undefined, {
    message: "sl or tp is required (null removes a level)",
    path: ["sl"],
  });
export const UpdateStopLossRequestSchema = z.strictObject({ sl: price });
export const MoveBreakevenRequestSchema = z.strictObject({
  /** Price distance beyond entry to lock in (BUY: entry + offset, SELL: entry - offset). */
  offset: z.number().finite().nonnegative().default(0),
});

export const PositionCommandKindSchema = z.enum(["close", "modify", "update_sl", "breakeven"]);
export type PositionCommandKind = z.infer<typeof PositionCommandKindSchema>;

export const PositionCommandAcceptedSchema = z.object({
  status: z.literal("pending"),
  command_id: z.string(),
  position_id: z.string(),
  kind: PositionCommandKindSchema,
  /** false: no connector online right now; the command waits for it until expires_at. */
  sent: z.boolean(),
  expires_at: z.number().int(),
});
export type PositionCommandAccepted = z.infer<typeof PositionCommandAcceptedSchema>;

export type PositionCommandRequest =
  | { kind: "close"; volume?: number }
  | { kind: "modify"; sl?: number | null; tp?: number | null }
  | { kind: "update_sl"; sl: number }
  | { kind: "breakeven"; offset: number };
