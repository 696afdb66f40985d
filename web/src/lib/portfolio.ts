import { createSignal } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { hasSession } from "~/lib/session";
import { api } from "./api";
import type { AccountView, PositionView } from "./contracts";
import { onEvents, onResync } from "./events";

/**
 * The paper account and open positions, loaded over REST and kept live by events: the server
 * pushes POSITIONS_UPDATED + portfolio_update every second while a browser is connected and a
 * position is open, position_updated/position_closed when one changes.
 */
const [account, setAccount] = createSignal<AccountView | null>(null);
// One row object per position id for the page's lifetime: a push updates rows in place (reconcile by
// id), so a row's local state (an open "Confirm close") survives the per-second price ticks.
const [store, setStore] = createStore<{ list: PositionView[] | null }>({ list: null });
const positions = () => store.list;
const byOpened = (list: readonly PositionView[]) => [...list].sort((a, b) => b.opened_at - a.opened_at);
const setPositions = (next: PositionView[] | ((prev: PositionView[] | null) => PositionView[])) =>
  setStore("list", reconcile(typeof next === "function" ? next(store.list) : next, { key: "id", merge: true }));
const [error, setError] = createSignal<unknown>(null);
const [updatedAt, setUpdatedAt] = createSignal<number | null>(null);

export { account, error as portfolioError, positions, updatedAt as portfolioUpdatedAt };

let loading: Promise<void> | null = null;
export function reloadPortfolio(): Promise<void> {
  // Signed out (the socket's resync can fire after sign-out): nothing to load, no 401 to provoke.
  if (!hasSession()) return Promise.resolve();
  loading ??= api
    .portfolio()
    .then((p) => {
      setAccount(p.account);
      setPositions(byOpened(p.positions));
      setError(null);
      setUpdatedAt(Date.now());
    })
    .catch((err: unknown) => {
      setError(err);
    })
    .finally(() => {
      loading = null;
    });
  return loading ?? Promise.resolve();
}

function upsert(p: PositionView): void {
  setPositions((list) => {
    const rest = (list ?? []).filter((x) => x.id !== p.id);
    return p.status === "open" ? byOpened([p, ...rest]) : rest;
  });
  setUpdatedAt(Date.now());
}

let started = false;
/** Subscribes once for the app's lifetime (the shell calls it); the store survives page changes. */
export function startPortfolioFeed(): void {
  if (started) return;
  started = true;
  onEvents(["POSITIONS_UPDATED"], (e) => {
    // The server's complete list (paper, bot and terminal positions): merged into the rows by id.
    setPositions(byOpened(e.data.positions));
    setUpdatedAt(Date.now());
  });
  onEvents(["position_updated"], (e) => upsert(e.data));
  onEvents(["position_closed"], (e) => upsert({ ...e.data, status: "closed" }));
  onEvents(["portfolio_update"], (e) => setAccount(e.data));
  onResync(() => void reloadPortfolio());
}
