import { createSignal, Show } from "solid-js";
import { api } from "~/lib/api";
import type { ExecutionResult } from "~/lib/contracts";
import { fmtPrice } from "~/lib/format";
import ErrorNotice from "./ErrorNotice";

const optional = (v: FormDataEntryValue | null) => {
  const s = String(v ?? "").trim();
  return s === "" ? undefined : Number(s);
};

/** A market order by hand (POST /trade), paper by default; the server checks SL/TP sides and volume. */
export default function ManualOrder(props: { onPlaced?: (r: ExecutionResult) => void }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const [result, setResult] = createSignal<ExecutionResult | null>(null);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const r = await api.trade({
        side: String(f.get("side")) === "SELL" ? "SELL" : "BUY",
        symbol: String(f.get("symbol") ?? "").trim(),
        volume: Number(f.get("volume")),
        sl: optional(f.get("sl")),
        tp: optional(f.get("tp")),
        client_order_id: `web-${crypto.randomUUID()}`,
        target: String(f.get("target")) === "connector" ? "connector" : "paper",
      });
      setResult(r);
      props.onPlaced?.(r);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="card manual-order">
      <summary>Place an order by hand</summary>
      <form class="order-form" onSubmit={submit}>
        <div>
          <label for="mo-side">Side</label>
          <select id="mo-side" name="side">
            <option>BUY</option>
            <option>SELL</option>
          </select>
        </div>
        <div>
          <label for="mo-symbol">Symbol</label>
          <input id="mo-symbol" name="symbol" required value="USDCHF" maxlength={32} />
        </div>
        <div>
          <label for="mo-volume">Volume (lots)</label>
          <input id="mo-volume" name="volume" type="number" step="any" min="0" required value="0.1" />
        </div>
        <div>
          <label for="mo-sl">Stop loss</label>
          <input id="mo-sl" name="sl" type="number" step="any" min="0" />
        </div>
        <div>
          <label for="mo-tp">Take profit</label>
          <input id="mo-tp" name="tp" type="number" step="any" min="0" />
        </div>
        <div>
          <label for="mo-target">Target</label>
          <select id="mo-target" name="target">
            <option value="paper">Paper</option>
            <option value="connector">MT5 connector</option>
          </select>
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy()}>
          {busy() ? "Placing…" : "Place order"}
        </button>
      </form>
      <Show when={result()}>
        {(r) => (
          <p role="status" class="small" data-testid="manual-order-result">
            {r().status}
            {r().trade
              ? `: ${r().trade!.side} ${r().trade!.volume} ${r().trade!.symbol} at ${fmtPrice(r().trade!.entry_price)}`
              : ""}
          </p>
        )}
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
    </details>
  );
}
