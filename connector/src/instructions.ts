import { z } from "zod";
import type { CommandFrame } from "../../core/protocol/connector";

/**
 * Every command frame (TRADE_COMMAND with any action, TRADE_OPEN, TRADE_CLOSE, TRADE_MODIFY,
 * UPDATE_SL, MOVE_BREAKEVEN) reduced to one of four things to do. This is also what the journal
 * keeps, so a command can be finished after a crash without the object resending it.
 */
const base = {
  command_id: z.string(),
  client_order_id: z.string(),
  expires_at: z.number(),
  /** The frame type it came in as, for logs. */
  source: z.string(),
};
export const InstructionSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("open"),
    ...base,
    side: z.enum(["BUY", "SELL"]),
    symbol: z.string(),
    volume: z.number(),
    sl: z.number().nullable(),
    tp: z.number().nullable(),
  }),
  z.object({ kind: z.literal("close"), ...base, ticket: z.string(), volume: z.number().optional() }),
  z.object({
    kind: z.literal("modify"),
    ...base,
    ticket: z.string(),
    sl: z.number().nullable().optional(),
    tp: z.number().nullable().optional(),
  }),
  z.object({ kind: z.literal("breakeven"), ...base, ticket: z.string(), offset: z.number() }),
]);
export type Instruction = z.infer<typeof InstructionSchema>;

/** The action a TRADE_RESULT reports. */
export function resultAction(i: Instruction): "OPEN" | "CLOSE" | "MODIFY" {
  return i.kind === "open" ? "OPEN" : i.kind === "close" ? "CLOSE" : "MODIFY";
}

export function toInstruction(f: CommandFrame): Instruction {
  const b = {
    command_id: f.command_id,
    client_order_id: f.client_order_id,
    expires_at: f.expires_at,
    source: f.type as string,
  };
  switch (f.type) {
    case "TRADE_OPEN":
      return {
        kind: "open",
        ...b,
        side: f.side,
        symbol: f.symbol,
        volume: f.volume as number,
        sl: f.sl ?? null,
        tp: f.tp ?? null,
      };
    case "TRADE_CLOSE":
      return { kind: "close", ...b, ticket: f.ticket, ...(f.volume !== undefined ? { volume: f.volume } : {}) };
    case "TRADE_MODIFY":
      return {
        kind: "modify",
        ...b,
        ticket: f.ticket,
        ...(f.sl !== undefined ? { sl: f.sl } : {}),
        ...(f.tp !== undefined ? { tp: f.tp } : {}),
      };
    case "UPDATE_SL":
      return { kind: "modify", ...b, ticket: f.ticket, sl: f.sl };
    case "MOVE_BREAKEVEN":
      return { kind: "breakeven", ...b, ticket: f.ticket, offset: f.offset };
    case "TRADE_COMMAND": {
      b.source = `TRADE_COMMAND/${f.action}`;
      // The schema guarantees symbol/volume for opens and ticket for CLOSE/MODIFY.
      if (f.action === "CLOSE")
        return {
          kind: "close",
          ...b,
          ticket: f.ticket as string,
          ...(f.volume !== undefined ? { volume: f.volume } : {}),
        };
      if (f.action === "MODIFY") {
        return {
          kind: "modify",
          ...b,
          ticket: f.ticket as string,
          ...(f.sl !== undefined ? { sl: f.sl } : {}),
          ...(f.tp !== undefined ? { tp: f.tp } : {}),
        };
      }
      const side = f.action === "OPEN" ? (f.side as "BUY" | "SELL") : f.action;
      return {
        kind: "open",
        ...b,
        side,
        symbol: f.symbol as string,
        volume: f.volume as number,
        sl: f.sl ?? null,
        tp: f.tp ?? null,
      };
    }
  }
}
