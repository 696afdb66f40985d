import { useSearchParams } from "@solidjs/router";
import { createResource, createSignal, For, Match, onCleanup, Show } from "solid-js";
import DataTable from "~/components/DataTable";
import EmptyState from "~/components/EmptyState";
import ExportButton from "~/components/ExportButton";
import ResourceSwitch from "~/components/ResourceSwitch";
import { api, query } from "~/lib/api";
import { onEvents } from "~/lib/events";
import { fmtPnl, fmtPrice, fmtTime, pnlClass } from "~/lib/format";

const STATUSES = ["open", "closed", "pending", "rejected", "error"] as const;
const PAGE = 25;

type Filters = { bot_id?: string; symbol?: string; status?: string; from?: string; to?: string };

/** `YYYY-MM-DD` (local day) -> epoch ms; `end` gives the start of the next day (the API's `to` is exclusive). */
function dayMs(s: string | undefined, end = false): number | undefined {
  if (!s) return undefined;
  const d = new Date(`${s}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  if (end) d.setDate(d.getDate() + 1);
  return d.getTime();
}

export default function Trades() {
  const [params, setParams] = useSearchParams<Filters>();
  const [bots] = createResource(api.bots.list);
  // Cursors of the pages before this one, so "Newer" can go back.
  const [cursors, setCursors] = createSignal<string[]>([]);
  const [cursor, setCursor] = createSignal<string | undefined>(undefined);
  const queryOf = () => ({
    bot_id: params.bot_id || undefined,
    symbol: params.symbol || undefined,
    status: params.status || undefined,
    from: dayMs(params.from),
    to: dayMs(params.to, true),
    limit: PAGE,
    cursor: cursor(),
  });
  const [page, { refetch }] = createResource(queryOf, api.trades);
  // New trades or status changes: refresh the first page only (later pages would shift under the reader).
  onCleanup(onEvents(["trade"], () => cursor() === undefined && void refetch()));

  const apply = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    setCursors([]);
    setCursor(undefined);
    setParams({ bot_id: v("bot_id"), symbol: v("symbol"), status: v("status"), from: v("from"), to: v("to") });
  };
  const reset = () => {
    setCursors([]);
    setCursor(undefined);
    setParams({ bot_id: undefined, symbol: undefined, status: undefined, from: undefined, to: undefined });
  };
  const older = () => {
    const next = page()?.next_cursor;
    if (!next) return;
    setCursors((c) => [...c, cursor() ?? ""]);
    setCursor(next);
  };
  const newer = () => {
    const c = cursors();
    setCursors(c.slice(0, -1));
    setCursor(c.at(-1) || undefined);
  };
  const filtered = () => Boolean(params.bot_id || params.symbol || params.status || params.from || params.to);
  const botName = (id: string | null) => (id ? (bots()?.find((b) => b.id === id)?.name ?? "bot") : "manual");

  return (
    <>
      <div class="page-head">
        <h1>Trades</h1>
        <ExportButton path={() => `/trades/history${query({ ...queryOf(), limit: undefined, cursor: undefined })}`} />
      </div>
      <form class="card filters" onSubmit={apply} aria-label="Filter trades">
        <div>
          <label for="f-bot">Bot</label>
          <select id="f-bot" name="bot_id" value={params.bot_id ?? ""}>
            <option value="">All</option>
            <For each={bots()}>{(b) => <option value={b.id}>{b.name}</option>}</For>
          </select>
        </div>
        <div>
          <label for="f-symbol">Symbol</label>
          <input id="f-symbol" name="symbol" value={params.symbol ?? ""} maxlength={32} placeholder="any" />
        </div>
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" name="status" value={params.status ?? ""}>
            <option value="">Any</option>
            <For each={STATUSES}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
        </div>
        <div>
          <label for="f-from">From</label>
          <input id="f-from" name="from" type="date" value={params.from ?? ""} />
        </div>
        <div>
          <label for="f-to">To</label>
          <input id="f-to" name="to" type="date" value={params.to ?? ""} />
        </div>
        <div class="filter-actions">
          <button type="submit" class="btn btn-primary">
            Apply
          </button>
          <Show when={filtered()}>
            <button type="button" class="btn btn-ghost" onClick={reset}>
              Clear
            </button>
          </Show>
        </div>
      </form>

      <ResourceSwitch of={page} errorTitle="Could not load trades.">
        <Match when={page()?.trades.length === 0 && !filtered() && !cursor()}>
          <EmptyState title="No trades yet" icon="⇄">
            <p>
              Every order your bots or you place is listed here: fills, rejections and errors, with P&amp;L once closed.
            </p>
          </EmptyState>
        </Match>
        <Match when={page()?.trades.length === 0}>
          <EmptyState title="No trades match these filters" icon="⇄">
            <p>Change or clear the filters above.</p>
          </EmptyState>
        </Match>
        <Match when={page()}>
          <DataTable
            card
            testid="trades-table"
            columns={[
              "Created",
              "Bot",
              "Symbol",
              "Side",
              { label: "Volume", num: true },
              { label: "Entry", num: true },
              { label: "Exit", num: true },
              { label: "SL / TP", num: true },
              "Status",
              { label: "P&L", num: true },
            ]}
            each={page()!.trades}
          >
            {(t) => (
              <tr data-testid="trade-row">
                <td>{fmtTime(t.created_at)}</td>
                <td>{botName(t.bot_id)}</td>
                <th scope="row" class="plain">
                  {t.symbol}
                </th>
                <td>{t.side}</td>
                <td class="num">{t.volume}</td>
                <td class="num">{fmtPrice(t.entry_price)}</td>
                <td class="num">{fmtPrice(t.exit_price)}</td>
                <td class="num">
                  {fmtPrice(t.stop_loss)} / {fmtPrice(t.take_profit)}
                </td>
                <td title={t.reason ?? ""}>
                  <span
                    class={`pill ${t.status === "open" ? "pill-ok" : t.status === "closed" ? "pill-idle" : t.status === "pending" ? "pill-warn" : "pill-bad"}`}
                  >
                    {t.status}
                  </span>
                  <Show when={t.override}>
                    {" "}
                    <span
                      class="pill pill-warn"
                      data-testid="trade-override"
                      title="Placed by hand past a blocking gate of its bot (max open, cooldown, daily limit or a protection)"
                    >
                      override
                    </span>
                  </Show>
                  <Show when={t.reason}>
                    <span class="muted small"> {t.reason}</span>
                  </Show>
                </td>
                <td class={`num ${pnlClass(t.pnl)}`}>
                  {fmtPnl(t.pnl)}
                  <Show when={(t.legs?.length ?? 0) > 1}>
                    <span class="muted small" data-testid="trade-legs">
                      {" "}
                      ({t.legs!.length} closes)
                    </span>
                  </Show>
                </td>
              </tr>
            )}
          </DataTable>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="btn" onClick={newer} disabled={cursors().length === 0}>
              ← Newer
            </button>
            <span class="muted small">page {cursors().length + 1}</span>
            <button type="button" class="btn" onClick={older} disabled={!page()?.next_cursor}>
              Older →
            </button>
          </nav>
        </Match>
      </ResourceSwitch>
    </>
  );
}
