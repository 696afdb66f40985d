import type { BrokerDeal, BrokerPosition } from "../../core/protocol/connector";
import type { EngineCore, Tx } from "../engine/engine";
import { closeReasonOf, closeTerminal } from "./apply-result";
import type { CommandRow, CommandStore, ConnectorState } from "./commands";
import {
  closeTrade,
  duplicateOf,
  failTrade,
  flagDuplicate,
  openConnectorTrades,
  openTrade,
  samePosition,
  type TerminalPositions,
  terminalView,
  updateTradePosition,
} from "./positions";

/**
 * Whether a positions list may be applied at all. A terminal that is not connected to its trade
 * server, or has not synced since (re)connecting or logging in, answers an EMPTY list (MQL5
 * PositionsTotal() is 0 until the terminal has loaded them): applied, it would close every bot
 * trade as closed_at_broker. The list's own flag decides; a list without one (older connectors)
 * follows the connector's last report.
 */
export function positionsListUsable(
  listFlag: boolean | undefined,
  lastReportedConnected: boolean | undefined,
): boolean {
  return listFlag ?? lastReportedConnected ?? true;
}

/**
 * The broker's full list of open positions (POSITIONS_UPDATE or SYNC_RESPONSE) against ours:
 * marks/levels of known tickets, positions opened by hand (source "terminal"), and closes we did
 * not see (SL/TP hit, closed in the terminal). A snapshot older than one already applied is
 * ignored, and a trade opened after the snapshot was taken is never closed by it. A list with
 * unreadable items (the connector left them out) updates and adopts but closes nothing.
 */
export function applyPositions(
  core: EngineCore,
  tx: Tx,
  terminal: TerminalPositions,
  state: ConnectorState,
  commands: CommandStore,
  positions: readonly BrokerPosition[],
  at: number,
  deals: readonly BrokerDeal[] = [],
  unreadable = 0,
): boolean {
  const last = Number(state.get("positions_at") ?? "0");
  if (at < last) return false;
  state.set("positions_at", String(at));
  const now = core.clock();
  const byTicket = new Map(positions.map((p) => [p.ticket, p]));
  const ours = openConnectorTrades(core);
  const pendingIds = new Set(pendingClientIds(core));

  for (const [ticket, entry] of ours) {
    const bp = byTicket.get(ticket);
    if (bp) {
      updateTradePosition(core, tx, entry, {
        stop_loss: bp.sl,
        take_profit: bp.tp,
        volume: bp.volume,
        current_price: bp.current_price ?? entry.position?.current_price ?? null,
        unrealized_pnl: bp.profit,
      });
    } else if (unreadable === 0 && (entry.trade.opened_at ?? 0) <= at) {
      const out = closingDeal(deals, ticket);
      closeTrade(core, tx, entry, {
        price: out?.price ?? entry.position?.current_price ?? entry.trade.entry_price ?? 0,
        at: out?.time ?? at,
        pnl: out ? out.profit : null,
        reason: inFlightClose(commands, entry.trade.id) ?? "closed_at_broker",
      });
    }
  }
  const known = new Set(terminal.all().map((p) => p.broker_ticket ?? ""));
  for (const bp of positions) {
    if (ours.has(bp.ticket)) continue;
    if (bp.client_order_id && pendingIds.has(bp.client_order_id)) continue; // our order; its result is on the way
    // Ours and already closed: a terminal whose lists lag still shows it; it is no manual position.
    if (bp.client_order_id && core.book.byClientOrderId(bp.client_order_id)?.trade.status === "closed") continue;
    const prior = terminal.get(bp.ticket);
    // A second fill of an order that already filled is flagged, never adopted as a terminal position.
    const dupOf = prior ? (prior.source === "duplicate" ? prior.duplicate_of : undefined) : duplicateOf(core, bp);
    if (dupOf) {
      if (!prior || !samePosition(prior, terminalView(bp, now, prior)))
        flagDuplicate(core, tx, terminal, bp, dupOf, "found in the broker's positions");
      continue;
    }
    const view = terminalView(bp, now, prior);
    if (prior && samePosition(prior, view)) continue;
    terminal.put(bp.ticket, view);
    core.outbox.enqueue({ kind: "position", row: view }, now);
    core.emit(tx, "position_updated", view);
    if (!prior)
      core.activity(
        tx,
        "info",
        null,
        `${bp.side} ${bp.volume} ${bp.symbol} ticket ${bp.ticket} opened in the terminal`,
        { ticket: bp.ticket },
      );
  }
  for (const ticket of known) {
    if (byTicket.has(ticket) || unreadable > 0) continue;
    const out = closingDeal(deals, ticket);
    closeTerminal(
      core,
      tx,
      terminal,
      ticket,
      out?.price ?? terminal.get(ticket)?.current_price ?? 0,
      "closed_in_terminal",
    );
  }
  return true;
}

/**
 * Commands whose outcome is unknown (sent, then no result before expiry + grace): look the client
 * order id up in the snapshot's positions and deals. Found: applied as the broker shows it. Not
 * found: the order never reached the broker. Never re-sent.
 */
export function reconcileCommands(
  core: EngineCore,
  tx: Tx,
  terminal: TerminalPositions,
  commands: CommandStore,
  positions: readonly BrokerPosition[],
  deals: readonly BrokerDeal[],
  binding: string,
): number {
  let settled = 0;
  const now = core.clock();
  for (const cmd of commands.unsettled()) {
    if (cmd.status !== "timed_out") continue;
    // Only the terminal a command went to can say what became of it; another one's snapshot cannot.
    if (cmd.terminal !== null && cmd.terminal !== binding) continue;
    commands.settle(cmd.command_id, "resolved", now, reconcileOne(core, tx, terminal, cmd, positions, deals));
    settled++;
  }
  return settled;
}

function reconcileOne(
  core: EngineCore,
  tx: Tx,
  terminal: TerminalPositions,
  cmd: CommandRow,
  positions: readonly BrokerPosition[],
  deals: readonly BrokerDeal[],
): string {
  const entry = cmd.trade_id ? core.book.byId(cmd.trade_id) : undefined;
  if (cmd.kind === "open") {
    if (!entry) return "reconciled: trade missing";
    const pos = positions.find((p) => p.client_order_id === cmd.client_order_id);
    if (pos) {
      openTrade(
        core,
        tx,
        entry,
        { ticket: pos.ticket, price: pos.open_price, volume: pos.volume, sl: pos.sl, tp: pos.tp, at: pos.opened_at },
        "reconciled by SYNC",
      );
      return `reconciled: open ${pos.ticket}`;
    }
    const inDeal = deals.find((d) => d.client_order_id === cmd.client_order_id && d.entry === "in");
    if (inDeal) {
      openTrade(
        core,
        tx,
        entry,
        {
          ticket: inDeal.position_ticket,
          price: inDeal.price,
          volume: inDeal.volume,
          sl: null,
          tp: null,
          at: inDeal.time,
        },
        "reconciled by SYNC",
      );
      const out = closingDeal(deals, inDeal.position_ticket);
      const now = core.book.byId(entry.trade.id);
      if (out && now)
        closeTrade(core, tx, now, { price: out.price, at: out.time, pnl: out.profit, reason: "closed_at_broker" });
      return `reconciled: deal ${inDeal.ticket}`;
    }
    failTrade(core, tx, entry, "error", "not executed: no order with this client id at the broker (reconciled)");
    return "reconciled: not at broker";
  }
  if (cmd.kind === "close" && cmd.ticket && !positions.some((p) => p.ticket === cmd.ticket)) {
    const out = closingDeal(deals, cmd.ticket);
    if (entry)
      closeTrade(core, tx, entry, {
        price: out?.price ?? entry.position?.current_price ?? 0,
        at: out?.time ?? core.clock(),
        pnl: out?.profit ?? null,
        reason: "closed",
      });
    else closeTerminal(core, tx, terminal, cmd.ticket, out?.price ?? 0, "closed");
    return "reconciled: closed";
  }
  return "reconciled: levels from the snapshot";
}

/**
 * The reason of a close command of ours still waiting for its answer: the list can show the position
 * gone before the TRADE_RESULT arrives (the terminal's lists and OrderSend's answer race, and a cut
 * link delays the answer), and then the close is the user's or the bot's, not the broker's.
 */
function inFlightClose(commands: CommandStore, tradeId: string): string | null {
  const cmd = commands.forTrade(tradeId, "close");
  return cmd && (cmd.status === "pending" || cmd.status === "sent" || cmd.status === "timed_out")
    ? closeReasonOf(cmd.client_order_id)
    : null;
}

function closingDeal(deals: readonly BrokerDeal[], ticket: string): BrokerDeal | undefined {
  return [...deals].reverse().find((d) => d.position_ticket === ticket && (d.entry === "out" || d.entry === "out_by"));
}

function pendingClientIds(core: EngineCore): string[] {
  return core.sql
    .exec<{ c: string }>(`SELECT client_order_id AS c FROM engine_trades WHERE status = 'pending'`)
    .toArray()
    .map((r) => r.c);
}
