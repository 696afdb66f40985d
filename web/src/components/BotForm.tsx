import { errorMessage } from "@core/util/error-message";
import { createEffect, createResource, createSignal, For, Index, on, Show } from "solid-js";
import { api } from "~/lib/api";
import { type Bot, type BotConfig, type SymbolMarket, TIMEFRAME_LIST, type Timeframe } from "~/lib/contracts";
import ErrorNotice from "./ErrorNotice";
import FieldErrors from "./FieldErrors";

/** Mirrors WEIGHT_SUM_TOLERANCE in core/protocol/bot-config.ts (a value, so not importable type-only). */
const SUM_TOLERANCE = 1e-6;

/** Rule templates offered in the editor (the API has no preset list yet); the server validates whatever is sent. */
const RULE_TEMPLATES: Record<string, { title: string; rules: unknown }> = {
  none: { title: "Model only (no rules)", rules: { buy: null, sell: null, exit_long: null, exit_short: null } },
  rsiExit: {
    title: "RSI(14) 30/70: buy below 30, exit above 70",
    rules: {
      buy: { all: [{ indicator: "rsi_14", op: "<", value: 30 }] },
      sell: null,
      exit_long: { all: [{ indicator: "rsi_14", op: ">", value: 70 }] },
      exit_short: null,
    },
  },
  rsi: {
    title: "RSI extreme + MACD cross",
    rules: {
      buy: {
        all: [
          { indicator: "rsi_14", op: "<", value: 30 },
          { indicator: "macd", op: "crosses_above", value: { indicator: "macd_signal" } },
        ],
      },
      sell: {
        all: [
          { indicator: "rsi_14", op: ">", value: 70 },
          { indicator: "macd", op: "crosses_below", value: { indicator: "macd_signal" } },
        ],
      },
    },
  },
  trend: {
    title: "With the trend (EMA 50 + ADX)",
    rules: {
      buy: {
        all: [
          { indicator: "ema_50_dist", op: ">", value: 0 },
          { indicator: "adx_14", op: ">", value: 20 },
        ],
      },
      sell: {
        all: [
          { indicator: "ema_50_dist", op: "<", value: 0 },
          { indicator: "adx_14", op: ">", value: 20 },
        ],
      },
    },
  },
};

export interface BotFormValue {
  name: string;
  symbol: string;
  config: Omit<BotConfig, "symbol">;
}

type Row = { timeframe: Timeframe; weight: string };

const num = (v: FormDataEntryValue | null) => Number(String(v ?? "").trim());
/** An optional number field: empty means "none" (null). */
const optNum = (v: FormDataEntryValue | null) => (String(v ?? "").trim() === "" ? null : num(v));
const shown = (v: number | null | undefined) => (v === null || v === undefined ? "" : v);

/**
 * Create/edit a bot. Light checks run as you type (weights sum, one model per timeframe, JSON
 * syntax); the server validates the whole config with the shared zod schema and its issues are
 * shown beside the section they concern.
 */
export default function BotForm(props: {
  bot?: Bot;
  submitLabel: string;
  onSubmit: (v: BotFormValue) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const c = props.bot?.config;
  const toRows = (models: ReadonlyArray<{ timeframe: Timeframe; weight: number }>) =>
    models.map((m) => ({ timeframe: m.timeframe, weight: String(m.weight) }));
  const [rows, setRows] = createSignal<Row[]>(c ? toRows(c.ensemble.models) : []);
  // The symbol's market (the API's): only timeframes it can serve are offered; a new bot starts with its default ensemble.
  const [symbol, setSymbol] = createSignal(props.bot?.symbol ?? "USDCHF");
  const [market] = createResource(symbol, (s) => api.symbolMarket(s).catch(() => null));
  const offered = (): readonly Timeframe[] => market()?.timeframes ?? TIMEFRAME_LIST;
  const [touched, setTouched] = createSignal(!!c);
  const onMarket = (m: SymbolMarket | null | undefined) => {
    if (m === undefined) return; // loading
    if (m === null) {
      if (rows().length === 0) setRows(toRows([{ timeframe: "1h", weight: 1 }])); // market unknown: the server still checks on save
      return;
    }
    const fits = rows().length > 0 && rows().every((r) => m.timeframes.includes(r.timeframe));
    // A new bot follows its symbol; an existing one keeps its ensemble (an unservable choice shows as such and is refused on save).
    if (!touched() || (!c && !fits)) setRows(toRows(m.default_ensemble));
  };
  createEffect(on(market, onMarket));
  const [rules, setRules] = createSignal(
    JSON.stringify(c?.strategy ?? { buy: null, sell: null, exit_long: null, exit_short: null }, null, 2),
  );
  const [stopsMode, setStopsMode] = createSignal(c?.risk.stops.mode ?? "atr");
  const [sizingMode, setSizingMode] = createSignal(c?.risk.sizing.mode ?? "fixed");
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);

  const sum = () => rows().reduce((s, r) => s + (Number(r.weight) || 0), 0);
  const sumOk = () => Math.abs(sum() - 1) <= SUM_TOLERANCE;
  const dupes = () => {
    const seen = new Set<string>();
    return rows()
      .filter((r) => (seen.has(r.timeframe) ? true : (seen.add(r.timeframe), false)))
      .map((r) => r.timeframe);
  };
  const rulesError = () => {
    try {
      const v = JSON.parse(rules()) as unknown;
      return typeof v === "object" && v !== null && !Array.isArray(v)
        ? null
        : 'rules must be a JSON object like {"buy": null, "sell": null}';
    } catch (e) {
      return `not valid JSON: ${errorMessage(e)}`;
    }
  };
  const setRow = (i: number, patch: Partial<Row>) => {
    setTouched(true);
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const addRow = () => {
    setTouched(true);
    const free = offered().find((tf) => !rows().some((r) => r.timeframe === tf)) ?? offered()[0] ?? "1h";
    setRows((rs) => [...rs, { timeframe: free, weight: "0" }]);
  };
  const c0 = c ?? null;

  const onSubmit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!sumOk() || dupes().length || rulesError()) return; // the inline messages say why
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const stops =
      stopsMode() === "none"
        ? { mode: "none" as const }
        : stopsMode() === "atr"
          ? { mode: "atr" as const, slAtrMult: optNum(f.get("slAtrMult")), tpAtrMult: optNum(f.get("tpAtrMult")) }
          : { mode: "pips" as const, sl: optNum(f.get("slPips")), tp: optNum(f.get("tpPips")) };
    const trailDist = optNum(f.get("trailDistance"));
    const beTrigger = optNum(f.get("beTrigger"));
    const sgLimit = optNum(f.get("sgTrades"));
    const mdPct = optNum(f.get("mdPct"));
    const dlAmount = optNum(f.get("dlAmount"));
    const sizing =
      sizingMode() === "fixed"
        ? { mode: "fixed" as const, lots: num(f.get("lots")) }
        : { mode: "risk_pct" as const, pct: num(f.get("pct")) };
    const value: BotFormValue = {
      name: String(f.get("name") ?? "").trim(),
      symbol: String(f.get("symbol") ?? "").trim(),
      config: {
        ensemble: { models: rows().map((r) => ({ timeframe: r.timeframe, weight: Number(r.weight) })) },
        strategy: JSON.parse(rules()) as BotConfig["strategy"],
        risk: {
          stops,
          sizing,
          minRiskReward: num(f.get("minRiskReward")),
          maxOpenPositions: num(f.get("maxOpenPositions")),
          stopsFrom: String(f.get("stopsFrom")) === "fill" ? "fill" : "decision",
        },
        execution: {
          target: String(f.get("target")) === "connector" ? "connector" : "paper",
          confidenceThreshold: num(f.get("confidenceThreshold")),
          cooldownMinutes: num(f.get("cooldownMinutes")),
          dailyTradeLimit: num(f.get("dailyTradeLimit")),
          cadenceMinutes: num(f.get("cadenceMinutes")),
          direction: String(f.get("direction")) as BotConfig["execution"]["direction"],
          positionMode: String(f.get("positionMode")) === "netting" ? "netting" : "hedging",
        },
        exits: {
          onOppositeSignal: f.get("onOppositeSignal") === "on",
          reverse: f.get("reverse") === "on",
          trailing:
            trailDist === null
              ? null
              : { distancePoints: trailDist, activationPoints: optNum(f.get("trailActivation")) },
          breakeven: beTrigger === null ? null : { triggerPoints: beTrigger, lockPoints: optNum(f.get("beLock")) ?? 0 },
          maxHoldMinutes: optNum(f.get("maxHoldMinutes")),
        },
        protections: {
          stoplossGuard:
            sgLimit === null
              ? null
              : { tradeLimit: sgLimit, lookbackMinutes: num(f.get("sgLookback")), pauseMinutes: num(f.get("sgPause")) },
          maxDrawdown:
            mdPct === null
              ? null
              : {
                  maxDrawdownPct: mdPct,
                  lookbackMinutes: num(f.get("mdLookback")),
                  tradeLimit: optNum(f.get("mdTrades")) ?? 1,
                  pauseMinutes: num(f.get("mdPause")),
                },
          dailyLossLimit: dlAmount === null ? null : { amount: dlAmount },
        },
      },
    };
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(value);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const stops = c0?.risk.stops;
  const sizing = c0?.risk.sizing;
  const exits = c0?.exits;
  const prot = c0?.protections;
  return (
    <form class="bot-form" onSubmit={onSubmit} data-testid="bot-form" aria-label={props.submitLabel}>
      <fieldset>
        <legend>Bot</legend>
        <div class="row2">
          <div>
            <label for="bot-name">Name</label>
            <input id="bot-name" name="name" required maxlength={80} value={props.bot?.name ?? ""} autocomplete="off" />
            <FieldErrors error={error()} path="name" />
          </div>
          <div>
            <label for="bot-symbol">Symbol</label>
            <input
              id="bot-symbol"
              name="symbol"
              required
              maxlength={32}
              pattern="[A-Za-z0-9][A-Za-z0-9._#\-]{0,31}"
              value={props.bot?.symbol ?? "USDCHF"}
              autocomplete="off"
              aria-describedby="symbol-hint"
              onChange={(e) => setSymbol(e.currentTarget.value.trim() || "USDCHF")}
            />
            <p id="symbol-hint" class="hint" data-testid="symbol-market">
              <Show
                when={market()}
                fallback={<>Broker symbol, e.g. USDCHF (the embedded market data has USDCHF and SPX500).</>}
              >
                {(m) =>
                  m().source === "replay"
                    ? `${m().symbol}: embedded ${m().base_timeframe} data serves ${m().timeframes.join(", ")}${m().shipped.length ? `; shipped models for ${m().shipped.join(", ")}` : "; train models for them on the bot's page"}.`
                    : `${m().symbol}: bars come from ${m().source === "delta" ? "Delta Exchange" : "your MT5 connector"} (any timeframe)${m().shipped.length ? `; shipped models for ${m().shipped.join(", ")}` : ""}.`
                }
              </Show>
            </p>
            <FieldErrors error={error()} path="symbol" />
          </div>
        </div>
      </fieldset>

      <fieldset>
        <legend>Ensemble</legend>
        <p class="hint">One ONNX model per timeframe; weights must sum to 1.</p>
        <Index each={rows()}>
          {(r, i) => (
            <div class="ens-row" data-testid="ensemble-row">
              <div>
                <label for={`tf-${i}`}>Timeframe {i + 1}</label>
                <select
                  id={`tf-${i}`}
                  value={r().timeframe}
                  onChange={(e) => setRow(i, { timeframe: e.currentTarget.value as Timeframe })}
                >
                  <For each={offered().includes(r().timeframe) ? offered() : [r().timeframe, ...offered()]}>
                    {(tf) => (
                      <option value={tf} disabled={!offered().includes(tf)}>
                        {tf}
                        {offered().includes(tf) ? "" : " (not served)"}
                      </option>
                    )}
                  </For>
                </select>
              </div>
              <div>
                <label for={`w-${i}`}>Weight {i + 1}</label>
                <input
                  id={`w-${i}`}
                  type="number"
                  step="any"
                  min="0"
                  max="1"
                  required
                  value={r().weight}
                  onInput={(e) => setRow(i, { weight: e.currentTarget.value })}
                />
              </div>
              <button
                type="button"
                class="btn btn-ghost"
                aria-label={`Remove timeframe ${i + 1}`}
                disabled={rows().length <= 1}
                onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
          )}
        </Index>
        <div class="ens-foot">
          <button type="button" class="btn btn-ghost" onClick={addRow} disabled={rows().length >= 6}>
            Add timeframe
          </button>
          <span
            class={`weight-sum ${sumOk() ? "ok" : "bad"}`}
            role="status"
            aria-live="polite"
            data-testid="weight-sum"
          >
            Sum of weights: {Number(sum().toFixed(6))} {sumOk() ? "✓" : "(must be 1)"}
          </span>
        </div>
        <Show when={dupes().length}>
          <p class="field-error">Timeframe {dupes().join(", ")} appears twice; one model per timeframe.</p>
        </Show>
        <FieldErrors error={error()} path="config.ensemble" />
      </fieldset>

      <fieldset>
        <legend>Strategy rules</legend>
        <label for="rule-template">Start from</label>
        <select
          id="rule-template"
          onChange={(e) => {
            const t = RULE_TEMPLATES[e.currentTarget.value];
            if (t) setRules(JSON.stringify(t.rules, null, 2));
          }}
        >
          <option value="">(keep the rules below)</option>
          <For each={Object.entries(RULE_TEMPLATES)}>{([id, t]) => <option value={id}>{t.title}</option>}</For>
        </select>
        <label for="rules">
          Rules (JSON: buy/sell open, exit_long/exit_short close; each null or an all/any group of rules)
        </label>
        <textarea
          id="rules"
          class="mono"
          rows={8}
          spellcheck={false}
          value={rules()}
          onInput={(e) => setRules(e.currentTarget.value)}
          aria-describedby="rules-errors"
        />
        <div id="rules-errors">
          <Show when={rulesError()}>
            <p class="field-error">{rulesError()}</p>
          </Show>
          <FieldErrors error={error()} path="config.strategy" />
        </div>
      </fieldset>

      <fieldset>
        <legend>Risk</legend>
        <div class="row3">
          <div>
            <label for="stops-mode">Stops</label>
            <select
              id="stops-mode"
              value={stopsMode()}
              onChange={(e) => setStopsMode(e.currentTarget.value as "atr" | "pips" | "none")}
            >
              <option value="atr">ATR multiples</option>
              <option value="pips">Fixed pips</option>
              <option value="none">No stops</option>
            </select>
          </div>
          <Show when={stopsMode() === "pips"}>
            <div>
              <label for="slPips">Stop loss (pips, empty = none)</label>
              <input
                id="slPips"
                name="slPips"
                type="number"
                step="any"
                min="0"
                value={stops?.mode === "pips" ? shown(stops.sl) : 20}
              />
            </div>
            <div>
              <label for="tpPips">Take profit (pips, empty = none)</label>
              <input
                id="tpPips"
                name="tpPips"
                type="number"
                step="any"
                min="0"
                value={stops?.mode === "pips" ? shown(stops.tp) : 40}
              />
            </div>
          </Show>
          <Show when={stopsMode() === "atr"}>
            <div>
              <label for="slAtrMult">Stop loss (× ATR, empty = none)</label>
              <input
                id="slAtrMult"
                name="slAtrMult"
                type="number"
                step="any"
                min="0"
                value={stops?.mode === "atr" ? shown(stops.slAtrMult) : 1.5}
              />
            </div>
            <div>
              <label for="tpAtrMult">Take profit (× ATR, empty = none)</label>
              <input
                id="tpAtrMult"
                name="tpAtrMult"
                type="number"
                step="any"
                min="0"
                value={stops?.mode === "atr" ? shown(stops.tpAtrMult) : 3}
              />
            </div>
          </Show>
          <div>
            <label for="sizing-mode">Sizing</label>
            <select
              id="sizing-mode"
              value={sizingMode()}
              onChange={(e) => setSizingMode(e.currentTarget.value as "fixed" | "risk_pct")}
            >
              <option value="fixed">Fixed lots</option>
              <option value="risk_pct">% of balance at risk</option>
            </select>
          </div>
          <Show
            when={sizingMode() === "fixed"}
            fallback={
              <div>
                <label for="pct">Risk per trade (%)</label>
                <input
                  id="pct"
                  name="pct"
                  type="number"
                  step="any"
                  min="0"
                  max="5"
                  required
                  value={sizing?.mode === "risk_pct" ? sizing.pct : 1}
                />
              </div>
            }
          >
            <div>
              <label for="lots">Lots</label>
              <input
                id="lots"
                name="lots"
                type="number"
                step="any"
                min="0"
                required
                value={sizing?.mode === "fixed" ? sizing.lots : 0.1}
              />
            </div>
          </Show>
          <div>
            <label for="minRiskReward">Min risk:reward</label>
            <input
              id="minRiskReward"
              name="minRiskReward"
              type="number"
              step="any"
              min="0"
              required
              value={c0?.risk.minRiskReward ?? 1.5}
            />
          </div>
          <div>
            <label for="maxOpenPositions">Max open positions</label>
            <input
              id="maxOpenPositions"
              name="maxOpenPositions"
              type="number"
              step="1"
              min="1"
              max="20"
              required
              value={c0?.risk.maxOpenPositions ?? 1}
            />
          </div>
          <div>
            <label for="stopsFrom">Stops measured from</label>
            <select id="stopsFrom" name="stopsFrom" value={c0?.risk.stopsFrom ?? "decision"}>
              <option value="decision">The decision bar's close (as planned)</option>
              <option value="fill">The fill price (paper only)</option>
            </select>
          </div>
        </div>
        <FieldErrors error={error()} path="config.risk" />
      </fieldset>

      <fieldset>
        <legend>Execution</legend>
        <div class="row3">
          <div>
            <label for="target">Target</label>
            <select id="target" name="target" value={c0?.execution.target ?? "paper"}>
              <option value="paper">Paper account</option>
              <option value="connector">MT5 connector</option>
            </select>
          </div>
          <div>
            <label for="confidenceThreshold">Confidence threshold</label>
            <input
              id="confidenceThreshold"
              name="confidenceThreshold"
              type="number"
              step="any"
              min="0"
              max="1"
              required
              value={c0?.execution.confidenceThreshold ?? 0.7}
            />
          </div>
          <div>
            <label for="cadenceMinutes">Cadence (minutes)</label>
            <input
              id="cadenceMinutes"
              name="cadenceMinutes"
              type="number"
              step="1"
              min="1"
              required
              value={c0?.execution.cadenceMinutes ?? 15}
            />
          </div>
          <div>
            <label for="cooldownMinutes">Cooldown (minutes)</label>
            <input
              id="cooldownMinutes"
              name="cooldownMinutes"
              type="number"
              step="1"
              min="0"
              required
              value={c0?.execution.cooldownMinutes ?? 30}
            />
          </div>
          <div>
            <label for="dailyTradeLimit">Daily trade limit</label>
            <input
              id="dailyTradeLimit"
              name="dailyTradeLimit"
              type="number"
              step="1"
              min="1"
              required
              value={c0?.execution.dailyTradeLimit ?? 5}
            />
          </div>
          <div>
            <label for="direction">Direction</label>
            <select id="direction" name="direction" value={c0?.execution.direction ?? "both"}>
              <option value="both">Long and short (SELL opens a short)</option>
              <option value="long_only">Long only</option>
              <option value="short_only">Short only</option>
            </select>
          </div>
          <div>
            <label for="positionMode">Position mode</label>
            <select id="positionMode" name="positionMode" value={c0?.execution.positionMode ?? "hedging"}>
              <option value="hedging">Hedging (each entry its own position)</option>
              <option value="netting">Netting (one position per symbol)</option>
            </select>
          </div>
        </div>
        <FieldErrors error={error()} path="config.execution" />
      </fieldset>

      <fieldset>
        <legend>Exits</legend>
        <p class="hint">
          Run every cycle on the bot's open positions; entry gates never block them. Points are 10^-digits (0.00001 on
          USDCHF).
        </p>
        <div class="row3">
          <label class="check">
            <input
              id="onOppositeSignal"
              name="onOppositeSignal"
              type="checkbox"
              checked={exits?.onOppositeSignal ?? false}
            />{" "}
            Exit on the opposite signal
          </label>
          <label class="check">
            <input id="reverse" name="reverse" type="checkbox" checked={exits?.reverse ?? false} /> Reverse (open the
            other side)
          </label>
          <div>
            <label for="maxHoldMinutes">Time exit after (minutes, empty = off)</label>
            <input
              id="maxHoldMinutes"
              name="maxHoldMinutes"
              type="number"
              step="1"
              min="1"
              value={shown(exits?.maxHoldMinutes)}
            />
          </div>
          <div>
            <label for="trailDistance">Trailing stop distance (points, empty = off)</label>
            <input
              id="trailDistance"
              name="trailDistance"
              type="number"
              step="1"
              min="1"
              value={shown(exits?.trailing?.distancePoints)}
            />
          </div>
          <div>
            <label for="trailActivation">Trailing starts after profit (points, empty = at once)</label>
            <input
              id="trailActivation"
              name="trailActivation"
              type="number"
              step="1"
              min="0"
              value={shown(exits?.trailing?.activationPoints)}
            />
          </div>
          <div>
            <label for="beTrigger">Breakeven trigger (points, empty = off)</label>
            <input
              id="beTrigger"
              name="beTrigger"
              type="number"
              step="1"
              min="1"
              value={shown(exits?.breakeven?.triggerPoints)}
            />
          </div>
          <div>
            <label for="beLock">Breakeven lock (points)</label>
            <input
              id="beLock"
              name="beLock"
              type="number"
              step="1"
              min="0"
              value={shown(exits?.breakeven?.lockPoints)}
            />
          </div>
        </div>
        <FieldErrors error={error()} path="config.exits" />
      </fieldset>

      <fieldset>
        <legend>Protections</legend>
        <p class="hint">Pause new entries (never exits) after losses, as Freqtrade's protections do. Empty = off.</p>
        <div class="row3">
          <div>
            <label for="sgTrades">Stop-loss guard: stops</label>
            <input
              id="sgTrades"
              name="sgTrades"
              type="number"
              step="1"
              min="1"
              value={shown(prot?.stoplossGuard?.tradeLimit)}
            />
          </div>
          <div>
            <label for="sgLookback">within (minutes)</label>
            <input
              id="sgLookback"
              name="sgLookback"
              type="number"
              step="1"
              min="1"
              value={prot?.stoplossGuard?.lookbackMinutes ?? 1440}
            />
          </div>
          <div>
            <label for="sgPause">pause (minutes)</label>
            <input
              id="sgPause"
              name="sgPause"
              type="number"
              step="1"
              min="1"
              value={prot?.stoplossGuard?.pauseMinutes ?? 720}
            />
          </div>
          <div>
            <label for="mdPct">Max drawdown (% of balance)</label>
            <input
              id="mdPct"
              name="mdPct"
              type="number"
              step="any"
              min="0"
              max="100"
              value={shown(prot?.maxDrawdown?.maxDrawdownPct)}
            />
          </div>
          <div>
            <label for="mdLookback">within (minutes)</label>
            <input
              id="mdLookback"
              name="mdLookback"
              type="number"
              step="1"
              min="1"
              value={prot?.maxDrawdown?.lookbackMinutes ?? 1440}
            />
          </div>
          <div>
            <label for="mdTrades">after at least (trades)</label>
            <input
              id="mdTrades"
              name="mdTrades"
              type="number"
              step="1"
              min="1"
              value={prot?.maxDrawdown?.tradeLimit ?? 1}
            />
          </div>
          <div>
            <label for="mdPause">pause (minutes)</label>
            <input
              id="mdPause"
              name="mdPause"
              type="number"
              step="1"
              min="1"
              value={prot?.maxDrawdown?.pauseMinutes ?? 720}
            />
          </div>
          <div>
            <label for="dlAmount">Daily loss limit (account currency)</label>
            <input
              id="dlAmount"
              name="dlAmount"
              type="number"
              step="any"
              min="0"
              value={shown(prot?.dailyLossLimit?.amount)}
            />
          </div>
        </div>
        <FieldErrors error={error()} path="config.protections" />
      </fieldset>

      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy()}>
          {busy() ? "Saving…" : props.submitLabel}
        </button>
        <Show when={props.onCancel}>
          <button type="button" class="btn btn-ghost" onClick={() => props.onCancel?.()}>
            Cancel
          </button>
        </Show>
      </div>
    </form>
  );
}
