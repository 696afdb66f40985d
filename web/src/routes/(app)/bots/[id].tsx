import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import BotCycleStatus from "~/components/BotCycleStatus";
import BotForm from "~/components/BotForm";
import DataSourcePill from "~/components/DataSourcePill";
import ErrorNotice from "~/components/ErrorNotice";
import ModelsPanel from "~/components/ModelsPanel";
import PanelBoundary from "~/components/PanelBoundary";
import PredictionCard from "~/components/PredictionCard";
import PriceChart from "~/components/PriceChart";
import RunCycleButton from "~/components/RunCycleButton";
import { api } from "~/lib/api";
import type { Bot } from "~/lib/contracts";
import { onEvents } from "~/lib/events";
import { positions, reloadPortfolio } from "~/lib/portfolio";

/** Whatever the activate answer carries beyond the bot (a backtest, warnings), shown as given. */
function ActivationNotes(props: { extra: { backtest?: unknown; warnings?: unknown } }) {
  const warnings = () =>
    Array.isArray(props.extra.warnings)
      ? props.extra.warnings.map((w) => (typeof w === "string" ? w : JSON.stringify(w)))
      : [];
  return (
    <div class="card card-accent" data-testid="activation-notes">
      <Show when={warnings().length}>
        <h3>Warnings</h3>
        <ul>
          {warnings().map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      </Show>
      <Show when={props.extra.backtest !== undefined && props.extra.backtest !== null}>
        <h3>Latest backtest</h3>
        <pre class="mono small">{JSON.stringify(props.extra.backtest, null, 2)}</pre>
      </Show>
    </div>
  );
}

export default function BotPage() {
  const params = useParams<{ id: string }>();
  const navigate = useNavigate();
  const [bot, { mutate, refetch }] = createResource(() => params.id, api.bots.get);
  // The chart shows every trade on the bot's symbol (bot, manual, terminal): that is what moved the account.
  const [trades, { refetch: refetchTrades }] = createResource(
    () => bot()?.symbol,
    (symbol) => api.trades({ symbol, limit: 200 }).then((r) => r.trades),
  );
  const [editing, setEditing] = createSignal(false);
  const [toggleError, setToggleError] = createSignal<unknown>(null);
  const [toggling, setToggling] = createSignal(false);
  const [activation, setActivation] = createSignal<{ backtest?: unknown; warnings?: unknown } | null>(null);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [predictionKey, setPredictionKey] = createSignal(0);

  onMount(() => void reloadPortfolio());
  onCleanup(onEvents(["trade"], (e) => e.data.symbol === bot()?.symbol && void refetchTrades()));

  const toggle = async (b: Bot) => {
    setToggling(true);
    setToggleError(null);
    try {
      if (b.active) {
        mutate(await api.bots.deactivate(b.id));
        setActivation(null);
      } else {
        const { backtest, warnings, ...updated } = await api.bots.activate(b.id);
        mutate(updated);
        setActivation(backtest !== undefined || warnings !== undefined ? { backtest, warnings } : null);
      }
    } catch (err) {
      setToggleError(err);
    } finally {
      setToggling(false);
    }
  };
  const remove = async (b: Bot) => {
    try {
      await api.bots.remove(b.id);
      navigate("/bots", { replace: true });
    } catch (err) {
      setToggleError(err);
      setConfirmDelete(false);
    }
  };

  return (
    <Switch>
      <Match when={bot.error}>
        <div class="page-head">
          <h1>Bot</h1>
          <A href="/bots" class="btn btn-ghost">
            Back to bots
          </A>
        </div>
        <ErrorNotice error={bot.error} title="Could not load this bot." />
      </Match>
      <Match when={bot.loading && !bot()}>
        <p class="muted">Loading…</p>
      </Match>
      <Match when={bot()}>
        {(b) => (
          <>
            <div class="page-head">
              <div>
                <h1>{b().name}</h1>
                <p class="muted small head-sub">
                  {b().symbol} <DataSourcePill symbol={b().symbol} /> ·{" "}
                  {b()
                    .config.ensemble.models.map((m) => `${m.timeframe} ×${m.weight}`)
                    .join(", ")}{" "}
                  · {b().target} ·{" "}
                  <span class={`pill ${b().active ? "pill-ok" : "pill-idle"}`} data-testid="bot-state">
                    {b().active ? "active" : "inactive"}
                  </span>
                </p>
              </div>
              <div class="head-actions">
                <Show when={b().active}>
                  <RunCycleButton
                    names={{ [b().id]: b().name }}
                    onDone={() => {
                      void refetchTrades();
                      void reloadPortfolio();
                      setPredictionKey((k) => k + 1);
                    }}
                  />
                </Show>
                <button
                  type="button"
                  class={`btn ${b().active ? "btn-danger-ghost" : "btn-primary"}`}
                  onClick={() => void toggle(b())}
                  disabled={toggling()}
                >
                  {toggling() ? "…" : b().active ? "Deactivate" : "Activate"}
                </button>
                <button
                  type="button"
                  class="btn btn-ghost"
                  onClick={() => setEditing((v) => !v)}
                  aria-expanded={editing()}
                >
                  {editing() ? "Close settings" : "Edit settings"}
                </button>
              </div>
            </div>
            <Show when={toggleError()}>
              <ErrorNotice error={toggleError()} />
            </Show>
            <BotCycleStatus botId={b().id} />
            <Show when={activation()}>{(x) => <ActivationNotes extra={x()} />}</Show>

            <Show when={editing()}>
              <section class="card" aria-label="Settings">
                <BotForm
                  bot={b()}
                  submitLabel="Save settings"
                  onSubmit={async (v) => {
                    mutate(await api.bots.update(b().id, v));
                    setEditing(false);
                    setPredictionKey((k) => k + 1);
                  }}
                  onCancel={() => setEditing(false)}
                />
                <div class="danger-zone">
                  <Show
                    when={confirmDelete()}
                    fallback={
                      <button type="button" class="btn btn-danger-ghost" onClick={() => setConfirmDelete(true)}>
                        Delete bot…
                      </button>
                    }
                  >
                    <span>Delete “{b().name}”? Open positions stay open.</span>
                    <button type="button" class="btn btn-danger" onClick={() => void remove(b())}>
                      Confirm delete
                    </button>
                    <button type="button" class="btn btn-ghost" onClick={() => setConfirmDelete(false)}>
                      Cancel
                    </button>
                  </Show>
                </div>
              </section>
            </Show>

            <div class="grid">
              <PanelBoundary name="Prediction">
                <Show when={predictionKey() + 1} keyed>
                  <PredictionCard
                    botId={b().id}
                    symbol={b().symbol}
                    onExecuted={() => {
                      void refetchTrades();
                      void reloadPortfolio();
                    }}
                  />
                </Show>
              </PanelBoundary>
              <PanelBoundary name="Models">
                <ModelsPanel
                  botId={b().id}
                  timeframes={b().config.ensemble.models.map((m) => m.timeframe)}
                  onChanged={() => setPredictionKey((k) => k + 1)}
                />
              </PanelBoundary>
              <PanelBoundary name="Chart">
                <PriceChart
                  symbol={b().symbol}
                  timeframes={b().config.ensemble.models.map((m) => m.timeframe)}
                  trades={trades.error ? [] : (trades() ?? [])}
                  positions={positions() ?? []}
                />
              </PanelBoundary>
            </div>
            <Show when={trades.error}>
              <ErrorNotice error={trades.error} title="Could not load this bot's trades." />
            </Show>
            <p class="muted small">
              Trades of this bot: <A href={`/trades?bot_id=${b().id}`}>history</A> ·{" "}
              <button type="button" class="linkish" onClick={() => void refetch()}>
                reload bot
              </button>
            </p>
          </>
        )}
      </Match>
    </Switch>
  );
}
