import { cleanPrice } from "../../core/instruments/rounding";
import type { PositionCommandOutcome, PositionCommandRequest } from "../../core/protocol/position-commands";
import type { EngineCore, Tx } from "./engine";
import type { BookEntry } from "./trade-book";

/**
 * A position command on an open paper position, applied at once inside `tx` through the paper
 * engine and the engine's one recording path (applyPaperEvents: book, outbox, events together).
 * Answers in the connector path's shape with status "done" and the position/trade after it.
 * A refusal (levels on the wrong side of the price, a volume that does not fit) changes nothing
 * but the TRADE_ERROR event and the activity line, as a broker's refusal does on the connector path.
 */
export function paperCommand(
  core: EngineCore,
  tx: Tx,
  entry: BookEntry,
  positionId: string,
  req: PositionCommandRequest,
): PositionCommandOutcome {
  const paper = core.paper.engine;
  const pid = entry.positionId;
  if (!pid || !paper.position(pid) || entry.trade.status !== "open")
    return { ok: false, code: "not_found", message: `no open position ${positionId}` };
  if (req.kind === "cancel")
    return {
      ok: false,
      code: "conflict",
      message: "a paper order fills at once: there is no pending order to cancel (close the position instead)",
    };
  const q = core.quote(entry.trade.symbol);
  const time = q?.time ?? core.clock();
  // The current price first, as a live tick would bring it (exits it triggers happen before the command).
  if (q)
    core.applyPaperEvents(
      tx,
      paper.processBar({ symbol: q.symbol, time, open: q.mid, high: q.mid, low: q.mid, close: q.mid }),
    );
  const mark = paper.position(pid);
  if (!mark)
    return {
      ok: false,
      code: "conflict",
      message: `position ${positionId} closed at the current price before the command (see its trade)`,
    };
  const spec = paper.settings.instruments[mark.symbol];
  const result =
    req.kind === "close"
      ? paper.close(pid, {
          time,
          reason: "manual",
          ...(q ? { price: { mid: q.mid } } : {}),
          ...(req.volume !== undefined ? { volume: req.volume } : {}),
        })
      : paper.modify(pid, levels(req, mark, spec), time);
  if (result.status === "rejected") {
    core.emit(tx, "TRADE_ERROR", {
      bot_id: entry.trade.bot_id,
      client_order_id: req.client_id ?? `${req.kind}:${entry.trade.id}`,
      code: result.reason,
      message: result.message,
    });
    core.activity(tx, "error", entry.trade.bot_id, `${req.kind} of ${mark.symbol} (paper) refused: ${result.message}`, {
      trade_id: entry.trade.id,
      reason: result.reason,
    });
    return { ok: false, code: "rejected", message: result.message, details: { reason: result.reason } };
  }
  if (result.event) core.applyPaperEvents(tx, [result.event]);
  const after = core.book.byId(entry.trade.id) ?? entry;
  const position = after.position ?? undefined;
  return {
    ok: true,
    accepted: {
      status: "done",
      command_id: crypto.randomUUID(),
      position_id: entry.trade.id,
      kind: req.kind,
      sent: false,
      expires_at: null,
      ...(position ? { position } : {}),
      trade: after.trade,
    },
  };
}

/** The SL/TP patch of a modify, stop-loss or breakeven. */
function levels(
  req: Exclude<PositionCommandRequest, { kind: "close" | "cancel" }>,
  mark: { side: "BUY" | "SELL"; entryPrice: number },
  spec: { digits: number } | undefined,
) {
  if (req.kind === "modify")
    return { ...(req.sl !== undefined ? { sl: req.sl } : {}), ...(req.tp !== undefined ? { tp: req.tp } : {}) };
  if (req.kind === "update_sl") return { sl: req.sl };
  return { sl: cleanBy(mark.side === "BUY" ? mark.entryPrice + req.offset : mark.entryPrice - req.offset, spec) };
}

function cleanBy(price: number, spec: { digits: number } | undefined): number {
  return spec ? cleanPrice(price, spec) : price;
}
