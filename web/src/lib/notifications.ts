import { onEvents } from "./events";
import { fmtPrice } from "./format";
import { toast } from "./toasts";

let started = false;
let connectorOnline: boolean | null = null;

/** Toasts for the events a trader must not miss: auto trades, trade errors, connector going offline. */
export function startNotifications(): void {
  if (started) return;
  started = true;
  onEvents(["AUTO_TRADE_EXECUTED"], (e) => {
    const t = e.data.trade;
    toast(
      "ok",
      `Auto trade: ${t.side} ${t.volume} ${t.symbol}`,
      `Filled at ${fmtPrice(t.entry_price)} · SL ${fmtPrice(t.stop_loss)} · TP ${fmtPrice(t.take_profit)}`,
    );
  });
  onEvents(["TRADE_ERROR"], (e) => {
    toast("bad", "Trade error", `${e.data.message} (${e.data.code}, order ${e.data.client_order_id})`);
  });
  onEvents(["CONNECTOR_STATUS"], (e) => {
    const online = e.data.online;
    if (!online && connectorOnline !== false)
      toast(
        "bad",
        "Connector offline",
        e.data.reason ?? "The MetaTrader connector disconnected; connector bots cannot trade.",
      );
    else if (online && connectorOnline === false) toast("ok", "Connector back online");
    connectorOnline = online;
  });
  onEvents(["STATUS_UPDATE"], (e) => {
    if (e.data.state === "error") toast("warn", "Bot cycle failed", e.data.last_reason ?? "see Activity");
  });
}
