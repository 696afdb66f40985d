import { OVERRIDABLE_REASONS } from "@core/decision/gates";
import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { api } from "~/lib/api";
import type { ExecutionResult, MarketClosed, Prediction } from "~/lib/contracts";
import { ApiRequestError, isNoMarketData } from "~/lib/errors";
import { onEvents } from "~/lib/events";
import { fmtPct, fmtPrice, fmtTime } from "~/lib/format";
import { toast } from "~/lib/toasts";
import ErrorNotice from "./ErrorNotice";

/** Refused by the bot's entry gate (max open, cooldown, daily limit, a protection): the user may override. */
const gateRefusal = (err: unknown) =>
  err instanceof ApiRequestError &&
  err.status === 409 &&
  OVERRIDABLE_REASONS.includes(String((err.details as { reason?: unknown } | undefined)?.reason));

const dirClass = (d: string | null) => (d === "BUY" ? "pill-ok" : d === "SELL" ? "pill-bad" : "pill-idle");

/**
 * A bot's current decision: direction and confidence against the threshold, each model's vote,
 * the strategy check, and the trade plan with an Execute button (confirm first). Live: the cycle's
 * ML_PREDICTION_GENERATED events for this bot replace it.
 */
export default function PredictionCard(props: {
  botId: string;
  symbol: string;
  onExecuted?: (r: ExecutionResult) => void;
}) {
  const [pred, setPred] = createSignal<Prediction | null>(null);
  const [error, setError] = createSignal<unknown>(null);
  const [closed, setClosed] = createSignal<MarketClosed | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [confirming, setConfirming] = createSignal(false);
  const [execError, setExecError] = createSignal<unknown>(null);
  const [executed, setExecuted] = createSignal<ExecutionResult | null>(null);

  const load = async (force = false) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.bots.predict(props.botId, { force_refresh: force });
      if ("status" in r) {
        setClosed(r);
        setPred(null);
      } else {
        setClosed(null);
        setPred(r);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  onMount(() => void load());
  onCleanup(
    onEvents(["ML_PREDICTION_GENERATED"], (e) => {
      if (e.data.botId === props.botId && e.data.timeframe === "multi") {
        setClosed(null);
        setPred(e.data);
      }
    }),
  );

  const execute = async (override = false) => {
    setBusy(true);
    setExecError(null);
    try {
      const r = await api.bots.execute(props.botId, override ? { override: true } : {});
      setExecuted(r);
      if (r.trade)
        toast(
          "ok",
          `Executed${r.trade.override ? " (override)" : ""}: ${r.trade.side} ${r.trade.volume} ${r.trade.symbol}`,
          r.status === "pending" ? "Sent to the connector" : `Filled at ${fmtPrice(r.trade.entry_price)}`,
        );
      props.onExecuted?.(r);
    } catch (err) {
      setExecError(err);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <section
      class="card prediction"
      aria-labelledby={`pred-${props.botId}`}
      data-testid="prediction-card"
      aria-busy={busy()}
    >
      <h2 id={`pred-${props.botId}`}>
        Prediction
        <button type="button" class="btn btn-ghost btn-sm push-right" onClick={() => void load(true)} disabled={busy()}>
          {busy() && !confirming() ? "Working…" : "Refresh"}
        </button>
      </h2>
      <Show when={error() && isNoMarketData(error())}>
        <p class="empty-inline muted" role="status" data-testid="pred-no-data">
          No market data for {props.symbol} yet: the ensemble predicts once its source (the replay, the MT5 connector or
          the exchange) has delivered bars.
        </p>
      </Show>
      <Show when={error() && !isNoMarketData(error())}>
        <ErrorNotice error={error()} title="No prediction." />
      </Show>
      <Show when={closed()}>
        {(c) => (
          <div class="notice notice-info" role="status" data-testid="pred-market-closed">
            <strong>Market closed.</strong> {c().symbol} is outside its trading hours at {fmtTime(c().market_time)}{" "}
            (market time)
            {c().opens_at !== null ? <>; it opens {fmtTime(c().opens_at!)}.</> : "."}
            <span class="muted small"> Hours: {c().hours}. Cycles skip until then.</span>
          </div>
        )}
      </Show>
      <Show when={!pred() && !error() && !closed() && busy()}>
        <p class="muted">Running the ensemble…</p>
      </Show>
      <Show when={pred()}>
        {(p) => (
          <>
            <div class="pred-head">
              <span class={`pill pill-lg ${dirClass(p().direction)}`} data-testid="pred-direction">
                {p().direction}
              </span>
              <div class="meter-wrap">
                <div class="meter-label">
                  Confidence <strong data-testid="pred-confidence">{fmtPct(p().confidence)}</strong> · threshold{" "}
                  {fmtPct(p().threshold, 0)}
                </div>
                <div
                  class="meter"
                  role="meter"
                  aria-valuemin={0}
                  aria-valuemax={1}
                  aria-valuenow={p().confidence}
                  aria-label="Confidence"
                >
                  <div class="meter-fill" style={{ width: `${Math.min(100, p().confidence * 100)}%` }} />
                  <div class="meter-mark" style={{ left: `${p().threshold * 100}%` }} aria-hidden="true" />
                </div>
              </div>
            </div>
            <p class="muted small">
              {p().symbol} · bar closed {fmtTime(p().barTime)} · ensemble says {p().ensemble.direction} (
              {p().ensemble.healthyModels}/{p().ensemble.totalModels} models healthy)
              {p().cached ? " · cached" : ""}
            </p>

            <div class="table-wrap">
              <table class="table table-compact" data-testid="pred-breakdown">
                <caption class="sr-only">Per-model breakdown</caption>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Vote</th>
                    <th scope="col" class="num">
                      Conf.
                    </th>
                    <th scope="col" class="num">
                      Weight
                    </th>
                    <th scope="col" class="num">
                      SELL / HOLD / BUY
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={p().ensemble.breakdown}>
                    {(m) => (
                      <tr>
                        <th scope="row" class="plain">
                          {m.timeframe}
                        </th>
                        <td>
                          <Show
                            when={m.healthy}
                            fallback={
                              <span class="pill pill-bad" title={m.error}>
                                unhealthy
                              </span>
                            }
                          >
                            <span class={`pill ${dirClass(m.direction)}`}>{m.direction}</span>
                          </Show>
                        </td>
                        <td class="num">{fmtPct(m.confidence)}</td>
                        <td class="num">{m.effectiveWeight.toFixed(2)}</td>
                        <td class="num muted">
                          {m.probabilities ? m.probabilities.map((x) => x.toFixed(2)).join(" / ") : (m.error ?? "—")}
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>

            <p class="verdict" data-testid="pred-strategy">
              Strategy:{" "}
              <span class={`pill ${p().strategy.agreed ? "pill-ok" : "pill-bad"}`}>
                {p().strategy.agreed ? "agreed" : "blocked"}
              </span>{" "}
              {p().strategy.reason}
            </p>

            <Show
              when={p().plan}
              fallback={
                <p class="notice notice-info" data-testid="pred-no-plan">
                  <strong>No trade plan:</strong> {p().reason}
                </p>
              }
            >
              {(plan) => (
                <>
                  <dl class="facts plan" data-testid="pred-plan">
                    <dt>Side</dt>
                    <dd>{plan().side}</dd>
                    <dt>Entry</dt>
                    <dd>{fmtPrice(plan().entry)}</dd>
                    <dt>Stop loss</dt>
                    <dd>{fmtPrice(plan().stopLoss)}</dd>
                    <dt>Take profit</dt>
                    <dd>{fmtPrice(plan().takeProfit)}</dd>
                    <dt>Risk:reward</dt>
                    <dd>{plan().riskReward === null ? "n/a" : `1 : ${plan().riskReward!.toFixed(2)}`}</dd>
                    <dt>Volume</dt>
                    <dd>{plan().volume} lots</dd>
                  </dl>
                  <Show
                    when={confirming()}
                    fallback={
                      <button
                        type="button"
                        class="btn btn-primary"
                        onClick={() => setConfirming(true)}
                        disabled={busy()}
                      >
                        Execute…
                      </button>
                    }
                  >
                    <div class="confirm" role="group" aria-label="Confirm execution">
                      <span>
                        {plan().side} {plan().volume} {p().symbol} at market, SL {fmtPrice(plan().stopLoss)}, TP{" "}
                        {fmtPrice(plan().takeProfit)}?
                      </span>
                      <button type="button" class="btn btn-primary" onClick={() => void execute()} disabled={busy()}>
                        Confirm execute
                      </button>
                      <button
                        type="button"
                        class="btn btn-ghost"
                        onClick={() => setConfirming(false)}
                        disabled={busy()}
                      >
                        Cancel
                      </button>
                    </div>
                  </Show>
                </>
              )}
            </Show>
            <Show when={executed()}>
              {(r) => (
                <p class="small" role="status" data-testid="pred-executed">
                  {r().status}: {r().trade ? `${r().trade!.side} ${r().trade!.volume} ${r().trade!.symbol}` : ""}{" "}
                  {r().reason ?? ""}
                </p>
              )}
            </Show>
            <Show when={execError()}>
              <ErrorNotice error={execError()} title="Not executed." />
              <Show when={gateRefusal(execError())}>
                <p class="small" data-testid="pred-override">
                  The bot's own limit refused it. Placing it anyway is recorded on the trade as an override.{" "}
                  <button
                    type="button"
                    class="btn btn-sm btn-ghost"
                    onClick={() => void execute(true)}
                    disabled={busy()}
                  >
                    Execute anyway (override)
                  </button>
                </p>
              </Show>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
