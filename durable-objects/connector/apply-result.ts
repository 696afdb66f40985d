import { roundMoney } from "../../core/instruments/rounding";
import type { BrokerPosition, TradeResult } from "../../core/protocol/connector";
import type { EngineCore, Tx } from "../engine/engine";
import type { CommandRow } from "./commands";
import {
  closeTrade,
  failTrade,
  flagDuplicate,
  legPnl,
  openTrade,
  openVolume,
  reduceTrade,
  type TerminalPositions,
  terminalPositionId,
  updateTradePosition,
} from "./positions";

/**
 * Applies a command's TRADE_RESULT to the book inside `tx`; returns the outcome recorded on the
 * command. Failures only mark the trade (the TRADE_ERROR frame that accompanies them carries the
 * browser's TRADE_ERROR event and the activity).
 */
/** A close command's reason: a bot's exit (hub.enqueueClose) names it in the client id (signal:<uuid> / time:<uuid>); else the user's "closed". */
export function closeReasonOf(clientOrderId: string): string {
  return clientOrderId.startsWith("signal:") ? "signal" : clientOrderId.startsWith("time:") ? "time" : "closed";
}

export function applyResult(
  core: EngineCore,
  tx: Tx,
  terminal: TerminalPositions,
  cmd: CommandRow,
  r: TradeResult,
  accountCurrency: string,
): string {
  const now = core.clock();
  const err = r.error ? `${r.error.code}: ${r.error.message}` : "failed";
  if (cmd.kind === "open") {
    const entry = cmd.trade_id ? core.book.byId(cmd.trade_id) : undefined;
    if (!entry) return "trade missing";
    if (!r.ok)
      return failTrade(
        core,
        tx,
        entry,
        r.error?.code === "terminal_unavailable" || r.error?.code === "expired" ? "error" : "rejected",
        err,
      )
        ? `failed ${err}`
        : "late failure ignored";
    if (!r.ticket || r.price === undefined) {
      failTrade(core, tx, entry, "error", "connector reported success without ticket or price");
      return "malformed success";
    }
    const fill = {
      ticket: r.ticket,
      price: r.price,
      volume: r.volume ?? entry.trade.volume,
      sl: r.sl ?? entry.trade.stop_loss,
      tp: r.tp ?? entry.trade.take_profit,
      at: r.executed_at,
    };
    if (r.sl === null) fill.sl = null;
    if (r.tp === null) fill.tp = null;
    if (openTrade(core, tx, entry, fill, r.recovered ? "recovered at the broker" : "connector"))
      return `opened ${r.ticket}`;
    // The order already filled under another ticket: this fill is a second execution at the broker.
    const first = entry.trade.broker_ticket;
    if (first !== null && first !== r.ticket) {
      const p: BrokerPosition = {
        ticket: r.ticket,
        symbol: r.symbol ?? entry.trade.symbol,
        side: r.side ?? entry.trade.side,
        volume: fill.volume,
        open_price: r.price,
        current_price: r.price,
        sl: fill.sl,
        tp: fill.tp,
        profit: 0,
        opened_at: r.executed_at,
        client_order_id: cmd.client_order_id,
        magic: 0,
        comment: "",
        manual: false,
      };
      flagDuplicate(
        core,
        tx,
        terminal,
        p,
        cmd.client_order_id,
        `command ${cmd.command_id} answered again with a new fill`,
      );
      return `duplicate fill ${r.ticket} (first ${first})`;
    }
    return "already applied";
  }

  const ticket = cmd.ticket ?? r.ticket;
  if (!r.ok || !ticket) return `failed ${err}`;
  const entry = cmd.trade_id ? core.book.byId(cmd.trade_id) : undefined;
  const term = entry ? undefined : terminal.get(ticket);

  if (cmd.kind === "close") {
    const price = r.price ?? entry?.position?.current_price ?? term?.current_price ?? 0;
    const current = entry ? openVolume(entry.trade) : (term?.volume ?? 0);
    const partial = r.volume !== undefined && r.volume < current - 1e-9;
    if (entry) {
      if (partial) {
        const volume = r.volume ?? 0;
        const pnl =
          legPnl(entry.trade, volume, price, accountCurrency) ??
          roundMoney(((entry.position?.unrealized_pnl ?? 0) * volume) / current);
        return reduceTrade(core, tx, entry, { volume, price, commission: 0, pnl, reason: "partial", at: r.executed_at })
          ? "partially closed"
          : "unchanged";
      }
      const reason = closeReasonOf(cmd.client_order_id);
      return closeTrade(core, tx, entry, { price, at: r.executed_at, pnl: null, reason, currency: accountCurrency })
        ? `closed at ${price}`
        : "already closed";
    }
    if (!term) return "position already gone";
    if (partial) {
      const next = { ...term, volume: round(current - (r.volume ?? 0)), updated_at: now };
      terminal.put(ticket, next);
      core.outbox.enqueue({ kind: "position", row: next }, now);
      core.emit(tx, "position_updated", next);
      return "partially closed";
    }
    closeTerminal(core, tx, terminal, ticket, price, "closed");
    return `closed at ${price}`;
  }

  // modify / update_sl / breakeven: the result carries the levels now set at the broker.
  if (entry) {
    const patch = {
      stop_loss: r.sl !== undefined ? r.sl : (entry.position?.stop_loss ?? entry.trade.stop_loss),
      take_profit: r.tp !== undefined ? r.tp : (entry.position?.take_profit ?? entry.trade.take_profit),
    };
    updateTradePosition(core, tx, entry, patch);
    core.activity(
      tx,
      "info",
      entry.trade.bot_id,
      `${entry.trade.symbol} ticket ${ticket}: sl ${patch.stop_loss ?? "none"}, tp ${patch.take_profit ?? "none"} (${cmd.kind})`,
      { trade_id: entry.trade.id },
    );
    return "levels set";
  }
  if (!term) return "position gone";
  const next = {
    ...term,
    stop_loss: r.sl !== undefined ? r.sl : term.stop_loss,
    take_profit: r.tp !== undefined ? r.tp : term.take_profit,
    updated_at: now,
  };
  terminal.put(ticket, next);
  core.outbox.enqueue({ kind: "position", row: next }, now);
  core.emit(tx, "position_updated", next);
  core.activity(
    tx,
    "info",
    null,
    `${term.symbol} ticket ${ticket} (terminal): sl ${next.stop_loss ?? "none"}, tp ${next.take_profit ?? "none"} (${cmd.kind})`,
  );
  return "levels set";
}

export function closeTerminal(
  core: EngineCore,
  tx: Tx,
  terminal: TerminalPositions,
  ticket: string,
  price: number,
  reason: string,
): void {
  const term = terminal.get(ticket);
  if (!term) return;
  const now = core.clock();
  const closed = {
    ...term,
    id: terminalPositionId(ticket),
    status: "closed" as const,
    current_price: price,
    updated_at: now,
  };
  terminal.remove(ticket);
  core.outbox.enqueue({ kind: "position", row: closed }, now);
  core.emit(tx, "position_closed", { ...closed, exit_price: price, pnl: term.unrealized_pnl, close_reason: reason });
  core.activity(
    tx,
    "close",
    null,
    `${term.side} ${term.symbol} ticket ${ticket} (terminal) closed at ${price} (${reason})`,
    { ticket },
  );
}

const round = (v: number) => Math.round(v * 1e8) / 1e8;
