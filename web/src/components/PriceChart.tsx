import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineStyle,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { createEffect, createResource, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { api } from "~/lib/api";
import type { PositionView, Timeframe, TradeView } from "~/lib/contracts";
import { ApiRequestError, isNoMarketData } from "~/lib/errors";
import { onEvents } from "~/lib/events";
import { fmtPrice, fmtTime } from "~/lib/format";
import ErrorNotice from "./ErrorNotice";

/** The symbol has no market data (candles answer 404) or none of this timeframe yet (503 no_data): an empty state, not a failure. */
const isNoData = (err: unknown) => (err instanceof ApiRequestError && err.status === 404) || isNoMarketData(err);

const TF_MS: Record<string, number> = {
  "1m": 60e3,
  "5m": 300e3,
  "15m": 900e3,
  "30m": 1800e3,
  "1h": 3600e3,
  "2h": 7200e3,
  "4h": 14400e3,
  "1d": 86400e3,
};
const COLORS = {
  up: "#2ec27e",
  down: "#f0616d",
  sl: "#f0616d",
  tp: "#2ec27e",
  entry: "#7cc4ff",
  text: "#8b9bb0",
  grid: "#1b2430",
};

/** A marker as also listed for screen readers (and tests) below the canvas. */
interface Mark {
  time: number;
  kind: "entry" | "exit";
  side: "BUY" | "SELL";
  price: number | null;
  text: string;
}

/** The bar (by open time, epoch s) a moment falls in: markers must sit on a bar's time. */
const barOf = (ms: number, tf: string) => (Math.floor(ms / TF_MS[tf]!) * TF_MS[tf]!) / 1000;

/**
 * Candles from market/candles for the bot's symbol and one of its timeframes, with entry/exit
 * markers from its trades and entry/SL/TP price lines for its open positions.
 */
export default function PriceChart(props: {
  symbol: string;
  timeframes: Timeframe[];
  trades: TradeView[];
  positions: PositionView[];
}) {
  const [tf, setTf] = createSignal<Timeframe>(props.timeframes[0] ?? "1h");
  const [candles, { refetch }] = createResource(
    () => ({ s: props.symbol, tf: tf() }),
    (k) => api.candles(k.s, k.tf, 300),
  );
  // A cycle's signal means a bar of the symbol closed: read the candles again so the chart keeps up
  // with the market (the resource keeps showing the old bars while it refreshes).
  onCleanup(onEvents(["signal"], (e) => e.data.symbol === props.symbol && void refetch()));
  // A resource read in its error state throws; everything below reads this instead (no bars on error).
  const data = () => (candles.state === "ready" || candles.state === "refreshing" ? candles() : undefined);
  const noData = () => (data()?.bars.length ?? -1) === 0 || isNoData(candles.error);
  let box!: HTMLDivElement;
  let chart: IChartApi | undefined;
  let series: ISeriesApi<"Candlestick"> | undefined;
  let markersApi: ISeriesMarkersPluginApi<Time> | undefined;
  let lines: IPriceLine[] = [];

  onMount(() => {
    chart = createChart(box, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "transparent" },
        textColor: COLORS.text,
        attributionLogo: false,
      },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { borderVisible: false },
    });
    series = chart.addSeries(CandlestickSeries, {
      upColor: COLORS.up,
      downColor: COLORS.down,
      wickUpColor: COLORS.up,
      wickDownColor: COLORS.down,
      borderVisible: false,
      priceFormat: { type: "price", precision: 5, minMove: 0.00001 },
    });
    markersApi = createSeriesMarkers(series, []);
  });
  onCleanup(() => chart?.remove());

  // Marks inside the loaded range only: a trade older than the first bar has nowhere to sit.
  const marks = (): Mark[] => {
    const bars = data()?.bars ?? [];
    if (!bars.length) return [];
    const first = bars[0]!.time / 1000;
    const last = bars.at(-1)!.time / 1000;
    const out: Mark[] = [];
    for (const t of props.trades) {
      if (t.symbol !== props.symbol) continue;
      if (t.opened_at !== null)
        out.push({
          time: barOf(t.opened_at, tf()),
          kind: "entry",
          side: t.side,
          price: t.entry_price,
          text: `${t.side} ${t.volume}`,
        });
      if (t.closed_at !== null)
        out.push({
          time: barOf(t.closed_at, tf()),
          kind: "exit",
          side: t.side,
          price: t.exit_price,
          text: `exit ${t.reason ?? ""}`.trim(),
        });
    }
    // A position opened in the newest (still forming) bar belongs at the last closed one.
    return out
      .map((m) => ({ ...m, time: Math.min(m.time, last) }))
      .filter((m) => m.time >= first)
      .sort((a, b) => a.time - b.time);
  };

  createEffect(
    on([data, () => props.trades, () => props.positions], () => {
      const c = data();
      if (!series || !c) return;
      series.setData(
        c.bars.map((b) => ({
          time: (b.time / 1000) as UTCTimestamp,
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
        })),
      );
      const m: SeriesMarker<Time>[] = marks().map((x) => ({
        time: x.time as UTCTimestamp,
        position: x.kind === "entry" ? (x.side === "BUY" ? "belowBar" : "aboveBar") : "inBar",
        shape: x.kind === "entry" ? (x.side === "BUY" ? "arrowUp" : "arrowDown") : "circle",
        color: x.kind === "exit" ? COLORS.text : x.side === "BUY" ? COLORS.up : COLORS.down,
        text: x.text,
      }));
      markersApi?.setMarkers(m);
      for (const l of lines) series.removePriceLine(l);
      lines = [];
      for (const p of props.positions.filter((p) => p.symbol === props.symbol && p.status === "open")) {
        lines.push(
          series.createPriceLine({
            price: p.entry_price,
            color: COLORS.entry,
            lineStyle: LineStyle.Dotted,
            lineWidth: 1,
            axisLabelVisible: true,
            title: `${p.side} entry`,
          }),
        );
        if (p.stop_loss !== null)
          lines.push(
            series.createPriceLine({
              price: p.stop_loss,
              color: COLORS.sl,
              lineStyle: LineStyle.Dashed,
              lineWidth: 1,
              axisLabelVisible: true,
              title: "SL",
            }),
          );
        if (p.take_profit !== null)
          lines.push(
            series.createPriceLine({
              price: p.take_profit,
              color: COLORS.tp,
              lineStyle: LineStyle.Dashed,
              lineWidth: 1,
              axisLabelVisible: true,
              title: "TP",
            }),
          );
      }
    }),
  );

  const levels = () => props.positions.filter((p) => p.symbol === props.symbol && p.status === "open");
  return (
    <section class="card card-wide" aria-labelledby="chart-title">
      <h2 id="chart-title">
        {props.symbol} chart
        <span class="push-right tf-switch" role="group" aria-label="Timeframe">
          <For each={props.timeframes}>
            {(t) => (
              <button
                type="button"
                class={`btn btn-sm ${tf() === t ? "btn-primary" : "btn-ghost"}`}
                aria-pressed={tf() === t}
                onClick={() => setTf(t)}
              >
                {t}
              </button>
            )}
          </For>
        </span>
      </h2>
      <Show when={noData()}>
        <p class="empty-inline muted" data-testid="chart-empty" role="status">
          No market data for {props.symbol} {tf()} yet: the chart fills in when its source (the replay, the MT5
          connector or the exchange) delivers bars. The bot's other panels work without it.
        </p>
      </Show>
      <Show when={candles.error && !noData()}>
        <ErrorNotice error={candles.error} title="No candles." onRetry={refetch} />
      </Show>
      <Show when={data() && !data()!.fresh && data()!.bars.length > 0}>
        <p class="notice notice-info small">Market data is not fresh: {data()!.staleReason}</p>
      </Show>
      <div
        class="chart"
        ref={box}
        data-testid="price-chart"
        data-markers={marks().length}
        data-lines={levels().length}
        data-last-bar={data()?.bars.at(-1)?.time ?? ""}
        role="img"
        aria-label={`${props.symbol} ${tf()} candles, ${data()?.bars.length ?? 0} bars, ${marks().length} trade markers`}
      />
      <Show when={marks().length || levels().length}>
        <details class="chart-legend">
          <summary>
            Markers and levels ({marks().length} markers, {levels().length} open positions)
          </summary>
          <ul data-testid="chart-markers">
            <For each={marks()}>
              {(m) => (
                <li>
                  {m.kind} {m.side} at {fmtPrice(m.price)} · bar {fmtTime(m.time * 1000)}
                </li>
              )}
            </For>
            <For each={levels()}>
              {(p) => (
                <li>
                  open {p.side} {p.volume}: entry {fmtPrice(p.entry_price)}, SL {fmtPrice(p.stop_loss)}, TP{" "}
                  {fmtPrice(p.take_profit)}
                </li>
              )}
            </For>
          </ul>
        </details>
      </Show>
    </section>
  );
}
