import { A } from "@solidjs/router";
import { createResource, Match, Show } from "solid-js";
import DataSourcePill from "~/components/DataSourcePill";
import DataTable from "~/components/DataTable";
import EmptyState from "~/components/EmptyState";
import ResourceSwitch from "~/components/ResourceSwitch";
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
          <A href="/bots/new" class="btn btn-primary">
            New bot
          </A>
        </div>
      </div>
      <ResourceSwitch of={bots} errorTitle="Could not load bots." onRetry={refetch}>
        <Match when={bots()?.length === 0}>
          <EmptyState title="No bots yet" icon="⚙">
            <p>
              A bot combines an ensemble of ONNX models (one per timeframe), strategy rules and risk settings, and
              trades on a paper account or through a connector.
            </p>
            <p>
              <A href="/bots/new" class="btn btn-primary">
                Create your first bot
              </A>
            </p>
          </EmptyState>
        </Match>
        <Match when={bots()}>
          <DataTable
            card
            testid="bot-table"
            columns={["Name", "Symbol", "Ensemble", "Target", "Threshold", "State"]}
            each={bots()}
          >
            {(b) => (
              <tr data-testid="bot-row">
                <th scope="row" class="plain">
                  <A href={`/bots/${b.id}`}>{b.name}</A>
                </th>
                <td>
                  {b.symbol} <DataSourcePill symbol={b.symbol} />
                </td>
                <td>{b.config.ensemble.models.map((m) => `${m.timeframe} ${m.weight}`).join(" · ")}</td>
                <td>{b.target}</td>
                <td>{b.config.execution.confidenceThreshold}</td>
                <td>
                  <span class={`pill ${b.active ? "pill-ok" : "pill-idle"}`}>{b.active ? "active" : "inactive"}</span>
                </td>
              </tr>
            )}
          </DataTable>
        </Match>
      </ResourceSwitch>
    </>
  );
}
