import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import EmptyState from "~/components/EmptyState";
import ErrorNotice from "~/components/ErrorNotice";
import ExportButton from "~/components/ExportButton";
import { api } from "~/lib/api";
import type { ActivityView } from "~/lib/contracts";
import { onEvents, onResync } from "~/lib/events";

const KIND_ICON: Record<string, string> = {
  cycle: "↻",
  skip: "⤼",
  prediction: "◎",
  trade: "⇄",
  close: "✓",
  error: "!",
  info: "i",
};
const MAX_LIMIT = 500; // activities/recent caps `limit` at 500 and has no cursor

/** The feed: recent items over REST, then live `activity` events (replayed by seq after a reconnect). */
export default function Activity() {
  const [limit, setLimit] = createSignal(50);
  // Plain signals, not createResource: the REST page and the live list merge below, and a
  // resource re-created by the route transition came back "unresolved" and hid loaded rows.
  const [loaded, setLoaded] = createSignal<ActivityView[] | null>(null);
  const [loadError, setLoadError] = createSignal<unknown>(null);
  const [loading, setLoading] = createSignal(false);
  const refetch = async () => {
    setLoading(true);
    try {
      setLoaded(await api.activities(limit()));
      setLoadError(null);
    } catch (err) {
      setLoadError(err);
    } finally {
      setLoading(false);
    }
  };
  onMount(() => void refetch());
  const [liveItems, setLiveItems] = createSignal<ActivityView[]>([]);

  onCleanup(
    onEvents(["activity"], (e) => {
      const a = e.data;
      const item: ActivityView = {
        id: a.id,
        seq: e.seq,
        type: a.kind,
        message: a.message,
        bot_id: a.bot_id,
        data: a.detail ?? null,
        created_at: e.at,
        expires_at: 0,
      };
      setLiveItems((l) => (l.some((x) => x.id === item.id) ? l : [item, ...l]));
    }),
  );
  onCleanup(onResync(() => void refetch()));

  // Newest first by seq; REST and live items overlap after a reload, keep one of each id.
  const items = () => {
    const seen = new Set<string>();
    return [...liveItems(), ...(loaded() ?? [])]
      .sort((a, b) => b.seq - a.seq)
      .filter((x) => (seen.has(x.id) ? false : (seen.add(x.id), true)));
  };

  return (
    <>
      <div class="page-head">
        <h1>Activity</h1>
        <span class="muted small">
          <span class="live-dot" aria-hidden="true" /> live
        </span>
        <ExportButton path={() => "/activities/recent"} />
      </div>
      <Switch>
        <Match when={loadError()}>
          <ErrorNotice error={loadError()} title="Could not load activity." onRetry={refetch} />
        </Match>
        <Match when={loading() && !loaded() && items().length === 0}>
          <p class="muted">Loading…</p>
        </Match>
        <Match when={items().length === 0}>
          <EmptyState title="Nothing has happened yet" icon="≋">
            <p>Cycles, predictions, trades, closes and errors stream in here as they happen.</p>
          </EmptyState>
        </Match>
        <Match when={items().length > 0}>
          <ol class="feed card" data-testid="activity-feed" aria-label="Activity, newest first">
            <For each={items()}>
              {(a) => (
                <li class={`feed-item kind-${a.type}`} data-testid="activity-item" data-seq={a.seq}>
                  <span class="feed-icon" aria-hidden="true">
                    {KIND_ICON[a.type] ?? "·"}
                  </span>
                  <div>
                    <div>{a.message}</div>
                    <div class="muted small">
                      {a.type} · {new Date(a.created_at).toLocaleString()} · #{a.seq}
                    </div>
                  </div>
                </li>
              )}
            </For>
          </ol>
          <Show when={(loaded()?.length ?? 0) >= limit() && limit() < MAX_LIMIT}>
            <button
              type="button"
              class="btn"
              onClick={() => {
                setLimit((l) => Math.min(MAX_LIMIT, l * 2));
                void refetch();
              }}
              disabled={loading()}
            >
              Show older
            </button>
          </Show>
        </Match>
      </Switch>
    </>
  );
}
