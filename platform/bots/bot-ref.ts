// The shapes of a stored bot that cross from the Worker to the user's object (RPC arguments).
import type { BotConfig, Protections } from "../../core/protocol/bot-config";

/** What a cycle knows about a bot (read from D1 `bots`, config validated by BotConfigSchema). */
export interface BotRef {
  id: string;
  userId: string;
  name: string;
  symbol: string;
  target: "paper" | "connector";
  config: BotConfig;
}

/** The BotRef of a stored bot row (its config already parsed). */
export function botRef(row: Pick<BotRef, "id" | "userId" | "name" | "symbol" | "target">, config: BotConfig): BotRef {
  return { id: row.id, userId: row.userId, name: row.name, symbol: row.symbol, target: row.target, config };
}

/** What the status, health and active-bot views need of a bot. */
export interface BotInfo {
  id: string;
  name: string;
  symbol: string;
  active: boolean;
  cadence: number;
  target: "paper" | "connector";
  updatedAt: number;
  /** The bot's protections: the status says when one pauses its entries. */
  protections: Protections;
}
