import { For, Match, onMount, Switch } from "solid-js";
import EmptyState from "~/components/EmptyState";
import ErrorNotice from "~/components/ErrorNotice";
import ExportButton from "~/components/ExportButton";
import ManualOrder from "~/components/ManualOrder";
import PositionActions from "~/components/PositionActions";
import { fmtPnl, fmtPrice, fmtTime, pnlClass } from "~/lib/format";
import { account, portfolioError, portfolioUpdatedAt, positions, reloadPortfolio } from "~/lib/portfolio";

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
                    <tr data-testid="position-row" data-position-id={p.id}>
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
                        <PositionActions p={p} />
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
