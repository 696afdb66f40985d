// The embedded demo: a user, a USD/CHF bot on the shipped models (trained on real data), the replay
// feed and the paper target, so a newcomer sees predictions and trades within a minute; beside it a
// BTCUSD bot on the local Delta server (replayed BTC/USDT candles). Everything goes through the
// public API, exactly as a user would do it.
export const DEMO_EMAIL = "demo@edgetrader.local";
export const DEMO_PASSWORD = "demo-password-2026";
export const DEMO_BOT_NAME = "Demo USD/CHF (shipped models)";
/**
 * Where the demo's replay starts (market time; REPLAY_START): Monday 10 March 1997 20:00 UTC, the
 * close of a 2h bar on which the shipped ensemble says BUY at 0.489 (found by backtesting this demo
 * bot over the data with core/backtest: a Monday-Wednesday decision above 0.43 whose stop and
 * target the next 6 hours of quotes do not touch, so the fill still holds when the first cycle
 * runs some replayed minutes late). So the first cycle, run as soon as the stack is up, trades on
 * what the models say. Nothing about the models or the threshold is changed for it. Four replayed
 * days (about 12 minutes at 480x) follow before the first replayed weekend.
 */
export const DEMO_REPLAY_START = "1997-03-10T20:00:00Z";

export const DEMO_CONFIG = {
  ensemble: {
    models: [
      { timeframe: "2h", weight: 0.3 },
      { timeframe: "4h", weight: 0.3 },
      { timeframe: "1d", weight: 0.4 },
    ],
  },
  // The shipped models are honest and rarely exceed 0.5 confidence (docs/MODELS.md), so the demo
  // lowers the threshold to show the whole loop. Never trade real money on these models.
  execution: { target: "paper", confidenceThreshold: 0.4, cooldownMinutes: 0, dailyTradeLimit: 50, cadenceMinutes: 1 },
};

export const CRYPTO_BOT_NAME = "Demo BTCUSD (Delta, 15m/1h/4h)";

/**
 * The crypto demo: the seed's ensemble (15m 0.30 / 1h 0.25 / 4h 0.45, the default), paper account.
 * 1h and 4h are the shipped BTCUSD models; the 15m member is trained on the edge from the Delta
 * candles the market object fetched, with short, tight barriers (3 bars, 0.5 ATR) so it is the
 * decisive member: the shipped models lean to HOLD. Tight stops close positions within minutes.
 * As with USD/CHF, the low threshold only shows the loop: never trade real money on these models.
 */
export const CRYPTO_CONFIG = {
  risk: { stops: { mode: "atr", slAtrMult: 0.5, tpAtrMult: 0.75 }, minRiskReward: 1.4 },
  execution: {
    target: "paper",
    confidenceThreshold: 0.34,
    cooldownMinutes: 0,
    dailyTradeLimit: 1000,
    cadenceMinutes: 1,
  },
};
export const CRYPTO_TRAIN = { timeframe: "15m", max_trees: 40, horizon: 3, atr_mult: 0.5 };

async function call(url, path, { method = "GET", token, json } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  return { status: res.status, body };
}

function must(r, ok, what) {
  if (!ok.includes(r.status)) throw new Error(`demo: ${what} failed (${r.status}): ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The demo bot `name` on `symbol`: found by name, or created with `config` and its symbol's shipped models. */
async function ensureShippedBot(url, token, { name, symbol, config }) {
  const list = must(await call(url, "/ml/models", { token }), [200], "list bots").models;
  const found = list.find((b) => b.name === name);
  if (found) return found;
  const bot = must(
    await call(url, "/ml/models", { method: "POST", token, json: { name, symbol, config } }),
    [201],
    `create ${name}`,
  );
  must(
    await call(url, `/ml/models/${bot.id}/shipped-models`, { method: "POST", token }),
    [201],
    `install ${symbol} models`,
  );
  return bot;
}

/**
 * Idempotent: creates the BTCUSD bot once (shipped 1h/4h, 15m trained on the edge, waited for),
 * activates it. `token` is the user's access token. Resolves with the bot id.
 */
export async function seedCryptoDemo(url, token, { trainTimeoutMs = 180_000 } = {}) {
  const bot = await ensureShippedBot(url, token, { name: CRYPTO_BOT_NAME, symbol: "BTCUSD", config: CRYPTO_CONFIG });
  // A start interrupted during training left the bot without its 15m model: train it again.
  if (!(await hasActiveModel(url, token, bot.id, CRYPTO_TRAIN.timeframe))) {
    const job = must(
      await call(url, `/ml/models/${bot.id}/train`, { method: "POST", token, json: CRYPTO_TRAIN }),
      [202],
      "train the 15m model",
    );
    const deadline = Date.now() + trainTimeoutMs;
    for (;;) {
      const j = must(await call(url, `/ml/models/${bot.id}/train/${job.job_id}`, { token }), [200], "training status");
      if (j.status === "done") break;
      if (j.status === "failed") throw new Error(`demo: 15m training failed: ${JSON.stringify(j.error)}`);
      if (Date.now() > deadline) throw new Error("demo: 15m training did not finish in time");
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  must(await call(url, `/ml/models/${bot.id}/activate`, { method: "POST", token }), [200], "activate crypto demo bot");
  return bot.id;
}

/** One model's prediction is healthy only when the bot has an active model for that timeframe. */
async function hasActiveModel(url, token, botId, timeframe) {
  const r = await call(url, `/ml/models/${botId}/predict`, { method: "POST", token, json: { timeframe } });
  return r.status === 200 && r.body.ensemble.healthyModels > 0;
}

/** Idempotent: logs in if the demo user exists, creates the bot once, (re)activates it and runs a cycle. */
export async function seedDemo(url, { crypto = false } = {}) {
  let auth = await call(url, "/auth/login", { method: "POST", json: { email: DEMO_EMAIL, password: DEMO_PASSWORD } });
  if (auth.status === 401)
    auth = await call(url, "/auth/register", { method: "POST", json: { email: DEMO_EMAIL, password: DEMO_PASSWORD } });
  const token = must(auth, [200, 201], "demo sign-in").access_token;

  const bot = await ensureShippedBot(url, token, { name: DEMO_BOT_NAME, symbol: "USDCHF", config: DEMO_CONFIG });
  must(await call(url, `/ml/models/${bot.id}/activate`, { method: "POST", token }), [200], "activate demo bot");
  const cycle = await call(url, "/ml/auto-trading/trigger", { method: "POST", token });
  // The crypto bot is extra: its failure (say, the local Delta server is down) leaves USD/CHF running.
  let cryptoBotId = null;
  let cryptoError = null;
  if (crypto) {
    try {
      cryptoBotId = await seedCryptoDemo(url, token);
    } catch (err) {
      cryptoError = err instanceof Error ? err.message : String(err);
    }
  }
  return {
    email: DEMO_EMAIL,
    password: DEMO_PASSWORD,
    token,
    botId: bot.id,
    cryptoBotId,
    cryptoError,
    firstCycle: cycle.body,
  };
}
