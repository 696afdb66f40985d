import { createSignal, Match, Show, Switch } from "solid-js";
import ErrorNotice from "~/components/ErrorNotice";
import { api } from "~/lib/api";
import type { PositionView } from "~/lib/contracts";
import { reloadPortfolio } from "~/lib/portfolio";

type Mode = "idle" | "confirm" | "partial" | "modify" | "busy";

/**
 * A row's position commands, the same for paper and MT5 positions (one API): Close (confirmed),
 * partial close, modify SL/TP, breakeven. Each click carries its own client_id, so a retried request
 * acts once. The row is keyed by position id (lib/portfolio.ts), so an open confirm or editor
 * survives the per-second price ticks. A refusal shows the API's message under the buttons.
 */
export default function PositionActions(props: { p: PositionView }) {
  const [mode, setMode] = createSignal<Mode>("idle");
  const [error, setError] = createSignal<unknown>(null);
  const [note, setNote] = createSignal("");
  const [volume, setVolume] = createSignal("");
  const [sl, setSl] = createSignal("");
  const [tp, setTp] = createSignal("");
  const label = () => `${props.p.side} ${props.p.symbol}`;
  const run = async (what: string, call: (clientId: string) => Promise<{ status: string }>) => {
    setMode("busy");
    setError(null);
    try {
      const r = await call(`web-${crypto.randomUUID()}`);
      setNote(r.status === "done" ? `${what}: done` : `${what}: sent`);
      setMode("idle");
      void reloadPortfolio();
    } catch (err) {
      setError(err);
      setMode("idle");
    }
  };
  const level = (v: string) => (v.trim() === "" ? undefined : Number(v));
  const openModify = () => {
    setSl(props.p.stop_loss?.toString() ?? "");
    setTp(props.p.take_profit?.toString() ?? "");
    setMode("modify");
  };
  return (
    <div class="position-actions">
      <Switch>
        <Match when={mode() === "idle" || mode() === "busy"}>
          <button
            type="button"
            class="btn btn-sm btn-danger-ghost"
            onClick={() => setMode("confirm")}
            disabled={mode() === "busy"}
            aria-label={`Close ${label()}`}
          >
            Close
          </button>
          <button
            type="button"
            class="btn btn-sm btn-ghost"
            onClick={() => setMode("partial")}
            disabled={mode() === "busy"}
            aria-label={`Partial close ${label()}`}
          >
            Partial
          </button>
          <button
            type="button"
            class="btn btn-sm btn-ghost"
            onClick={openModify}
            disabled={mode() === "busy"}
            aria-label={`Modify SL/TP of ${label()}`}
          >
            Modify
          </button>
          <button
            type="button"
            class="btn btn-sm btn-ghost"
            onClick={() => void run("breakeven", (cid) => api.breakeven(props.p.id, { client_id: cid }))}
            disabled={mode() === "busy"}
            aria-label={`Move the stop of ${label()} to breakeven`}
          >
            Breakeven
          </button>
        </Match>
        <Match when={mode() === "confirm"}>
          <button
            type="button"
            class="btn btn-sm btn-danger"
            onClick={() => void run("close", (cid) => api.closePosition(props.p.id, { client_id: cid }))}
          >
            Confirm close
          </button>
          <button type="button" class="btn btn-sm btn-ghost" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </Match>
        <Match when={mode() === "partial"}>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const v = Number(volume());
              void run("partial close", (cid) => api.closePosition(props.p.id, { volume: v, client_id: cid }));
            }}
          >
            <label>
              <span class="sr-only">Volume to close</span>
              <input
                type="number"
                step="any"
                min="0"
                required
                placeholder={`of ${props.p.volume}`}
                value={volume()}
                onInput={(e) => setVolume(e.currentTarget.value)}
                aria-label={`Volume of ${label()} to close`}
              />
            </label>
            <button type="submit" class="btn btn-sm btn-danger">
              Close volume
            </button>
            <button type="button" class="btn btn-sm btn-ghost" onClick={() => setMode("idle")}>
              Cancel
            </button>
          </form>
        </Match>
        <Match when={mode() === "modify"}>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void run("modify", (cid) =>
                api.modifyPosition(props.p.id, { sl: level(sl()) ?? null, tp: level(tp()) ?? null, client_id: cid }),
              );
            }}
          >
            <input
              type="number"
              step="any"
              placeholder="SL"
              value={sl()}
              onInput={(e) => setSl(e.currentTarget.value)}
              aria-label={`Stop loss of ${label()}`}
            />
            <input
              type="number"
              step="any"
              placeholder="TP"
              value={tp()}
              onInput={(e) => setTp(e.currentTarget.value)}
              aria-label={`Take profit of ${label()}`}
            />
            <button type="submit" class="btn btn-sm btn-primary">
              Save
            </button>
            <button type="button" class="btn btn-sm btn-ghost" onClick={() => setMode("idle")}>
              Cancel
            </button>
          </form>
        </Match>
      </Switch>
      <Show when={note() && !error()}>
        <span class="muted small" role="status" data-testid="position-action-note">
          {note()}
        </span>
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
    </div>
  );
}
