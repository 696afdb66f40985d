import type { PositionView, TradeView } from "../../core/protocol/events";
import type { OrderIntent } from "../../core/protocol/orders";

/**
 * Where a bot's orders go. `paper` fills synchronously inside the object's transaction.
 * `connector` records the order as pending, then sends a TRADE_COMMAND carrying the client order
 * id after the commit; a failure becomes TRADE_ERROR + an activity and the order stays in the
 * book, so a retry of the cycle finds it (never a blind resend; reconciliation is SYNC's job).
 */
export type TargetKind = "paper" | "connector";

/** `onSocket`: the command was just handed to a live connector socket, so its TRADE_RESULT is due shortly. */
export type DispatchResult =
  | { ok: true; onSocket: boolean }
  | { ok: false; code: "not_connected" | "send_failed"; message: string };

export interface ConnectorLink {
  /** Inside the pending trade's transaction: stores the command (durable-objects/connector), so both commit or neither. */
  enqueueOpen(intent: OrderIntent, trade: TradeView): void;
  /** After commit: sends the open command for `intent`; resolves once handed to the socket (the result arrives later as TRADE_RESULT). */
  sendOpen(intent: OrderIntent): Promise<DispatchResult>;
  /** Inside a cycle's transaction: a bot's exit of a connector position (closed at the broker, reason signal/time). */
  enqueueClose(ticket: string, tradeId: string, reason: "signal" | "time"): void;
  /** After commit: sends the queued closes if a connector is online (otherwise they wait for it until they expire). */
  sendQueued(): Promise<void>;
  /** ACCOUNT_MARGIN_MODE the connector reported; null when unknown. */
  marginMode(): "hedging" | "netting" | "exchange" | null;
  /** The broker balance the connector last reported; null before it has. */
  brokerBalance(): number | null;
  /** Positions opened by hand in the terminal: every full positions list the engine pushes includes them. */
  terminalPositions(): PositionView[];
}

/** Until the object's connector socket exists, every command answers `not_connected`. */
export const noConnector: ConnectorLink = {
  enqueueOpen: () => undefined,
  sendOpen: async () => ({ ok: false, code: "not_connected", message: "no connector is connected for this account" }),
  enqueueClose: () => {
    throw new Error("no connector is connected for this account");
  },
  sendQueued: async () => undefined,
  marginMode: () => null,
  brokerBalance: () => null,
  terminalPositions: () => [],
};
