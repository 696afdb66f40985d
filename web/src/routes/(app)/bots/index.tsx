import { A } from "@solidjs/router";
import { createResource, For, Match, Show, Switch } from "solid-js";
import EmptyState from "~/components/EmptyState";
import ErrorNotice from "~/components/ErrorNotice";
import RunCycleButton from "~/components/RunCycleButton";
import { api } from "~/lib/api";

export default function Bots() {
  const [bots, { refetch }] = createResource(api.bots.list);
  const names = () => Object.fromEntries((bots() ?? []).map((b) => [b.id, b.name]));
  return (
    <>
      <div class="page-head">
        <h1>Bots</h1>
        <div class="head-actions">
          <Show when={bots()?.some((b) => b.active)}>
            <RunCycleButton names={names()} />
          </Show>
          <A href="/bots/new" class="btn btn-primary">New bot</A>
        </div>
      </div>
      <Switch>
        <Match when={bots.error}>
          <ErrorNotice error={bots.error} title="Could not load bots." onRetry={refetch} />
        </Match>
        <Match when={bots.loading && !bots()}>
          <p class="muted">Loading…</p>
        </Match>
        <Match when={bots()?.length === 0}>
          <EmptyState title="No bots yet" icon="⚙">
            <p>A bot combines an ensemble of ONNX models (one per timeframe), strategy rules and risk settings, and trades on a paper account or through a connector.</p>
            <p>
              <A href="/bots/new" class="btn btn-primary">Create your first bot</A>
            </p>
          </EmptyState>
        </Match>
        <Match when={bots()}>
          <div class="table-wrap card">
            <table class="table" data-testid="bot-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Symbol</th>
                  <th scope="col">Ensemble</th>
                  <th scope="col">Target</th>
                  <th scope="col">Threshold</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                <For each={bots()}>
                  {(b) => (
                    <tr data-testid="bot-row">
                      <th scope="row" class="plain">
                        <A href={`/bots/${b.id}`}>{b.name}</A>
                      </th>
                      <td>{b.symbol}</td>
                      <td>{b.config.ensemble.models.map((m) => `${m.timeframe} ${m.weight}`).join(" · ")}</td>
                      <td>{b.target}</td>
                      <td>{b.config.execution.confidenceThreshold}</td>
                      <td>
                        <span class={`pill ${b.active ? "pill-ok" : "pill-idle"}`}>{b.active ? "active" : "inactive"}</span>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
      </Switch>
    </>
  );
}
