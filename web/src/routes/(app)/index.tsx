import { A } from "@solidjs/router";
import { createResource, createSignal, For, Match, onCleanup, onMount, Show } from "solid-js";
import DataTable from "~/components/DataTable";
import EmptyState from "~/components/EmptyState";
import EquityCurve from "~/components/EquityCurve";
import ErrorNotice from "~/components/ErrorNotice";
import ResourceSwitch from "~/components/ResourceSwitch";
import RunCycleButton from "~/components/RunCycleButton";
import { api } from "~/lib/api";
import { onEvents } from "~/lib/events";
import { fmtMoney, fmtPnl, fmtTime, pnlClass } from "~/lib/format";
import { live } from "~/lib/live";
import { account, portfolioError, positions, reloadPortfolio } from "~/lib/portfolio";

function socketText(): string {
  const s = live.state();
  switch (s.kind) {
    case "connected":
      return `connected since ${new Date(s.since).toLocaleTimeString()}`;
    case "reconnecting":
      return `reconnecting (attempt ${s.attempt}): ${s.reason}`;
    case "connecting":
      return "connecting";
    case "offline":
      return `offline: ${s.reason}`;
    default:
      return "not started";
  }
}

export default function Overview() {
  const [health, { refetch }] = createResource(api.health);
  const [daily, { refetch: refetchDaily }] = createResource(() => api.analyticsDaily(90));
  const [autoHealth, { refetch: refetchAuto }] = createResource(api.autoTrading.health);
  const [activeBots, { refetch: refetchBots }] = createResource(api.autoTrading.activeBots);
  const [connector] = createResource(() => api.connectorStatus().catch(() => null));
  const [connectorOnline, setConnectorOnline] = createSignal<boolean | null>(null);

  onMount(() => void reloadPortfolio());
  // A closed trade changes the equity curve; a cycle changes bots' last results and health.
  onCleanup(onEvents(["position_closed"], () => void refetchDaily()));
  onCleanup(
    onEvents(["STATUS_UPDATE", "AUTO_TRADE_EXECUTED", "position_updated"], () => {
      void refetchBots();
      void refetchAuto();
    }),
  );
  onCleanup(onEvents(["CONNECTOR_STATUS"], (e) => setConnectorOnline(e.data.online)));

  const openPnl = () => account()?.unrealized_pnl ?? (positions() ?? []).reduce((s, p) => s + p.unrealized_pnl, 0);
  const ccy = () => account()?.currency ?? "";
  const online = () => connectorOnline() ?? connector()?.online ?? null;
  const refreshAll = () => {
    void refetch();
    void refetchDaily();
    void refetchAuto();
    void refetchBots();
    void reloadPortfolio();
  };

  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <div class="head-actions">
          <RunCycleButton onDone={refreshAll} />
          <button type="button" class="btn" onClick={refreshAll} disabled={health.loading}>
            Refresh
          </button>
        </div>
      </div>

      <section class="kpis" aria-label="Account">
        <div class="kpi">
          <span class="kpi-label">Equity</span>
          <span class="kpi-value" data-testid="kpi-equity">
            {fmtMoney(account()?.equity, ccy())}
          </span>
        </div>
        <div class="kpi">
          <span class="kpi-label">
            Open P&amp;L <span class="live-dot" aria-hidden="true" />
          </span>
          <span class={`kpi-value ${pnlClass(openPnl())}`} data-testid="kpi-open-pnl" aria-live="off">
            {fmtPnl(openPnl())}
          </span>
          <span class="kpi-sub">{account()?.open_positions ?? positions()?.length ?? 0} open</span>
        </div>
        <div class="kpi">
          <span class="kpi-label">Today's P&amp;L</span>
          <span class={`kpi-value ${pnlClass(account()?.daily_pnl)}`} data-testid="kpi-today">
            {fmtPnl(account()?.daily_pnl)}
          </span>
        </div>
        <div class="kpi">
          <span class="kpi-label">Max drawdown</span>
          <span class="kpi-value" data-testid="kpi-drawdown">
            {daily() ? fmtPnl(-daily()!.totals.max_drawdown) : "—"}
          </span>
          <span class="kpi-sub">
            {daily()?.totals.win_rate == null
              ? "no closed trades"
              : `win rate ${Math.round(daily()!.totals.win_rate! * 100)}%`}
          </span>
        </div>
      </section>
      <Show when={portfolioError()}>
        <ErrorNotice error={portfolioError()} title="Could not load the account." />
      </Show>

      <div class="grid">
        <section class="card card-wide" aria-labelledby="perf-title">
          <h2 id="perf-title">
            Equity curve <span class="muted small">(cumulative realized P&amp;L, 90 days)</span>
          </h2>
          <ResourceSwitch of={daily} errorTitle="Could not load daily analytics." loading={false}>
            <Match when={daily() && daily()!.days.length === 0}>
              <p class="muted">
                The curve appears once a trade has closed. Create a bot on <A href="/bots">Bots</A>, or connect a
                MetaTrader 5 terminal from <A href="/connectors">Connectors</A>.
              </p>
            </Match>
            <Match when={daily()}>{(d) => <EquityCurve days={d().days} />}</Match>
          </ResourceSwitch>
        </section>

        <section class="card" aria-labelledby="auto-title">
          <h2 id="auto-title">
            Auto-trading
            <Show when={autoHealth()}>
              {(h) => (
                <span
                  class={`pill ${h().status === "healthy" ? "pill-ok" : h().status === "idle" ? "pill-idle" : "pill-bad"}`}
                  data-testid="auto-health"
                >
                  {h().status}
                </span>
              )}
            </Show>
          </h2>
          <ResourceSwitch of={autoHealth} errorTitle="Could not load auto-trading health." loading={false}>
            <Match when={autoHealth()}>
              {(h) => (
                <>
                  <dl class="facts">
                    <dt>Active bots</dt>
                    <dd>{h().active_bots}</dd>
                    <dt>Outbox</dt>
                    <dd>
                      {h().outbox.pending} pending, {h().outbox.dead} dead
                    </dd>
                    <dt>Checked</dt>
                    <dd>{fmtTime(h().checked_at)}</dd>
                  </dl>
                  <Show
                    when={h().problems.length}
                    fallback={
                      <p class="muted small">
                        {h().status === "idle" ? "No active bots: activate one on Bots." : "No problems found."}
                      </p>
                    }
                  >
                    <ul class="problems">
                      <For each={h().problems}>
                        {(p) => (
                          <li>
                            <code>{p.check}</code> {p.message}
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                </>
              )}
            </Match>
          </ResourceSwitch>
        </section>

        <section class="card" aria-labelledby="conn-title">
          <h2 id="conn-title">Connections</h2>
          <dl class="facts">
            <dt>Live socket</dt>
            <dd data-testid="socket-detail">{socketText()}</dd>
            <dt>Last ping</dt>
            <dd data-testid="socket-rtt">{live.lastRtt() === null ? "—" : `${live.lastRtt()} ms round trip`}</dd>
            <dt>Last event</dt>
            <dd data-testid="socket-seq">{live.lastSeq() === null ? "none yet" : `#${live.lastSeq()}`}</dd>
            <dt>MT5 connector</dt>
            <dd data-testid="connector-online">
              {online() === null ? (
                "—"
              ) : online() ? (
                <span class="pill pill-ok">online</span>
              ) : (
                <>
                  <span class="pill pill-idle">offline</span> <A href="/connectors">set up</A>
                </>
              )}
            </dd>
          </dl>
          <p class="muted small">
            Trades, signals and position updates stream over the socket; after a drop it reconnects and asks for the
            events it missed.
          </p>
        </section>

        <section class="card card-wide" aria-labelledby="bots-title">
          <h2 id="bots-title">Active bots</h2>
          <ResourceSwitch of={activeBots} errorTitle="Could not load active bots." loading={false}>
            <Match when={activeBots() && activeBots()!.length === 0}>
              <EmptyState title="No active bots" icon="⚙">
                <p>
                  Create and activate a bot on <A href="/bots">Bots</A>; it then trades on every closed bar.
                </p>
              </EmptyState>
            </Match>
            <Match when={activeBots()}>
              <DataTable
                testid="active-bots"
                columns={[
                  "Bot",
                  "Symbol",
                  "Last result",
                  { label: "Open", num: true },
                  { label: "Open P&L", num: true },
                  { label: "Trades today", num: true },
                  "Next run",
                ]}
                each={activeBots()}
              >
                {(b) => (
                  <tr>
                    <th scope="row" class="plain">
                      <A href={`/bots/${b.bot_id}`}>{b.name}</A>
                    </th>
                    <td>{b.symbol}</td>
                    <td title={b.last_reason ?? ""}>
                      {b.last_result ?? "—"}
                      <Show when={b.last_reason}>
                        <span class="muted small"> · {b.last_reason}</span>
                      </Show>
                    </td>
                    <td class="num">{b.open_positions}</td>
                    <td class={`num ${pnlClass(b.unrealized_pnl)}`}>{fmtPnl(b.unrealized_pnl)}</td>
                    <td class="num">{b.trades_today}</td>
                    <td>{fmtTime(b.next_due_at)}</td>
                  </tr>
                )}
              </DataTable>
            </Match>
          </ResourceSwitch>
        </section>

        <section class="card" aria-labelledby="health-title">
          <h2 id="health-title">
            Platform health
            <Show when={health()}>
              {(h) => (
                <span class={`pill ${h().status === "ok" ? "pill-ok" : "pill-bad"}`} data-testid="health-status">
                  {h().status}
                </span>
              )}
            </Show>
          </h2>
          <ResourceSwitch of={health} errorTitle="Health check failed." loading="Checking…">
            <Match when={health()}>
              {(h) => (
                <table class="table">
                  <caption class="sr-only">Health checks at {h().time}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">State</th>
                      <th scope="col" class="num">
                        Time
                      </th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={h().checks}>
                      {(c) => (
                        <tr data-testid={`check-${c.name}`}>
                          <th scope="row">{c.name.replace(/_/g, " ")}</th>
                          <td>
                            <span class={`pill ${c.ok ? "pill-ok" : "pill-bad"}`}>{c.ok ? "ok" : "failing"}</span>
                          </td>
                          <td class="num">{c.ms} ms</td>
                          <td class="muted">{c.detail ?? ""}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              )}
            </Match>
          </ResourceSwitch>
        </section>
      </div>
    </>
  );
}
