import { createSignal, For, Show } from "solid-js";
import { api } from "~/lib/api";
import type { CycleResult } from "~/lib/contracts";
import ErrorNotice from "./ErrorNotice";

/** "Run cycle now": one cycle for every active bot (same per-bar idempotency as the cron). */
export default function RunCycleButton(props: { onDone?: (r: CycleResult[]) => void; names?: Record<string, string> }) {
  const [busy, setBusy] = createSignal(false);
  const [results, setResults] = createSignal<CycleResult[] | null>(null);
  const [error, setError] = createSignal<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.autoTrading.trigger();
      setResults(r);
      props.onDone?.(r);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="run-cycle">
      <button type="button" class="btn btn-primary" onClick={run} disabled={busy()}>
        {busy() ? "Running…" : "Run cycle now"}
      </button>
      <div role="status" aria-live="polite" class="cycle-results" data-testid="cycle-results">
        <Show when={results()}>
          {(r) => (
            <Show when={r().length} fallback={<span class="muted small">No active bots to run.</span>}>
              <ul>
                <For each={r()}>
                  {(x) => (
                    <li data-outcome={x.outcome}>
                      <strong>{props.names?.[x.bot_id] ?? "bot"}</strong>: {x.outcome}{" "}
                      <span class="muted">({x.reason})</span>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
      </div>
      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
    </div>
  );
}
