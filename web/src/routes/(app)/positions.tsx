import { createSignal, For, Match, onMount, Show, Switch } from "solid-js";
import EmptyState from "~/components/EmptyState";
import ErrorNotice from "~/components/ErrorNotice";
import ExportButton from "~/components/ExportButton";
import ManualOrder from "~/components/ManualOrder";
import { api } from "~/lib/api";
import type { PositionView } from "~/lib/contracts";
import { fmtPnl, fmtPrice, fmtTime, pnlClass } from "~/lib/format";
import { account, portfolioError, portfolioUpdatedAt, positions, reloadPortfolio } from "~/lib/portfolio";

/** Close goes to the connector (POST positions/{id}/close); paper positions close by SL/TP (the API says so with a 409). */
function CloseButton(props: { p: PositionView }) {
  const [state, setState] = createSignal<"idle" | "confirm" | "busy" | "sent">("idle");
  const [error, setError] = createSignal<unknown>(null);
  const close = async () => {
    setState("busy");
    setError(null);
    try {
      await api.closePosition(props.p.id);
      setState("sent");
    } catch (err) {
      setError(err);
      setState("idle");
    }
  };
  return (
    <>
      <Switch>
        <Match when={state() === "idle"}>
          <button
            type="button"
            class="btn btn-sm btn-danger-ghost"
            onClick={() => setState("confirm")}
            aria-label={`Close ${props.p.side} ${props.p.symbol}`}
          >
            Close
          </button>
        </Match>
        <Match when={state() === "confirm" || state() === "busy"}>
          <button type="button" class="btn btn-sm btn-danger" onClick={close} disabled={state() === "busy"}>
            Confirm close
          </button>
          <button type="button" class="btn btn-sm btn-ghost" onClick={() => setState("idle")}>
            Cancel
          </button>
        </Match>
        <Match when={state() === "sent"}>
          <span class="muted small" role="status">
            close sent…
          </span>
        </Match>
      </Switch>
      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
    </>
  );
}

export default function Positions() {
  onMount(() => void reloadPortfolio());
  const total = () => (positions() ?? []).reduce((s, p) => s + p.unrealized_pnl, 0);
  return (
    <>
      <div class="page-head">
        <h1>Positions</h1>
        <span class="muted small" data-testid="positions-updated">
          <span class="live-dot" aria-hidden="true" />{" "}
          {portfolioUpdatedAt() ? `updated ${new Date(portfolioUpdatedAt()!).toLocaleTimeString()}` : ""}
        </span>
        <ExportButton path={() => "/positions"} />
      </div>
      <Switch>
        <Match when={portfolioError() && !positions()}>
          <ErrorNotice error={portfolioError()} title="Could not load positions." onRetry={reloadPortfolio} />
        </Match>
        <Match when={!positions()}>
          <p class="muted">Loading…</p>
        </Match>
        <Match when={positions()!.length === 0}>
          <EmptyState title="No open positions" icon="◧">
            <p>Positions opened by your bots, by hand or in the MetaTrader terminal appear here with live P&amp;L.</p>
          </EmptyState>
        </Match>
        <Match when={positions()}>
          <div class="table-wrap card">
            <table class="table" data-testid="positions-table">
              <caption class="sr-only">Open positions; P&amp;L updates live</caption>
              <thead>
                <tr>
                  <th scope="col">Symbol</th>
                  <th scope="col">Side</th>
                  <th scope="col" class="num">
                    Volume
                  </th>
                  <th scope="col" class="num">
                    Entry
                  </th>
                  <th scope="col" class="num">
                    Price
                  </th>
                  <th scope="col" class="num">
                    SL
                  </th>
                  <th scope="col" class="num">
                    TP
                  </th>
                  <th scope="col" class="num">
                    P&amp;L
                  </th>
                  <th scope="col">Opened</th>
                  <th scope="col">Source</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={positions()}>
                  {(p) => (
                    <tr data-testid="position-row">
                      <th scope="row" class="plain">
                        {p.symbol}
                      </th>
                      <td>
                        <span class={`pill ${p.side === "BUY" ? "pill-ok" : "pill-bad"}`}>{p.side}</span>
                      </td>
                      <td class="num">{p.volume}</td>
                      <td class="num">{fmtPrice(p.entry_price)}</td>
                      <td class="num" data-testid="position-price">
                        {fmtPrice(p.current_price)}
                      </td>
                      <td class="num">{fmtPrice(p.stop_loss)}</td>
                      <td class="num">{fmtPrice(p.take_profit)}</td>
                      <td class={`num ${pnlClass(p.unrealized_pnl)}`} data-testid="position-pnl">
                        {fmtPnl(p.unrealized_pnl)}
                      </td>
                      <td>{fmtTime(p.opened_at)}</td>
                      <td>
                        {p.source}
                        {p.broker_ticket ? ` · #${p.broker_ticket}` : ""}
                      </td>
                      <td class="actions">
                        {/* PositionView doesn't say paper or connector (paper positions carry a ticket too): the API answers 409 for paper ones and the reason is shown. */}
                        <CloseButton p={p} />
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colspan="7" class="plain">
                    Total open P&amp;L
                  </th>
                  <td class={`num ${pnlClass(total())}`} data-testid="positions-total">
                    {fmtPnl(total())}
                  </td>
                  <td colspan="3" class="muted small">
                    {account() ? `equity ${account()!.equity.toFixed(2)} ${account()!.currency}` : ""}
                  </td>
                </tr>
              </tfoot>
            </table>
          </div>
        </Match>
      </Switch>
      <ManualOrder onPlaced={() => void reloadPortfolio()} />
    </>
  );
}
