// Bench-only Worker (bench/prediction-worker.wrangler.toml; never deployed with the app): times a
// full multi-timeframe prediction inside a Durable Object with the production decision code
// (prepareInputs -> ORT per model -> decide). workerd's clock is coarse (1 ms steps locally, frozen
// between I/O in production), so each sample times a loop of predictions and divides.
import { DurableObject } from "cloudflare:workers";
import { BARS_PER_TIMEFRAME, decide, type ModelOutput, prepareInputs } from "../core/decision/decide";
import { FEATURE_COUNT } from "../core/features/schema";
import { getInstrument } from "../core/instruments/catalog";
import type { Bar } from "../core/market/bar";
import { resample } from "../core/market/resample";
import { TIMEFRAME_MS, type Timeframe } from "../core/market/timeframes";
import { BotConfigSchema } from "../core/protocol/bot-config";
import { strategyPreset } from "../core/strategy/presets";
import { type LoadedModel, loadModel, ortReady, runProbabilities } from "../durable-objects/inference";
import { replayBars } from "../durable-objects/market/replay-data";
import usdchf1d from "../models/trained/usdchf_1d.onnx";
import usdchf2h from "../models/trained/usdchf_2h.onnx";
import usdchf4h from "../models/trained/usdchf_4h.onnx";
import type { PredictionBenchRequest, PredictionBenchResponse } from "./prediction-worker-protocol";

interface Env {
  BENCH: DurableObjectNamespace<PredictionBench>;
}

const ENSEMBLES = {
  3: [
    { timeframe: "2h", weight: 0.3 },
    { timeframe: "4h", weight: 0.3 },
    { timeframe: "1d", weight: 0.4 },
  ],
  5: [
    { timeframe: "30m", weight: 0.2 },
    { timeframe: "1h", weight: 0.2 },
    { timeframe: "2h", weight: 0.2 },
    { timeframe: "4h", weight: 0.2 },
    { timeframe: "1d", weight: 0.2 },
  ],
} as const;
// The 30m/1h slots reuse the 2h/4h graphs: same contract, same size, so the timing is representative.
const MODEL_BYTES: Record<string, ArrayBuffer> = {
  "30m": usdchf2h,
  "1h": usdchf4h,
  "2h": usdchf2h,
  "4h": usdchf4h,
  "1d": usdchf1d,
};

export class PredictionBench extends DurableObject<Env> {
  private readonly loaded = new Map<string, LoadedModel>();

  async run(req: PredictionBenchRequest): Promise<PredictionBenchResponse> {
    await ortReady();
    const config = BotConfigSchema.parse({
      symbol: "USDCHF",
      ensemble: { models: ENSEMBLES[req.models] },
      strategy: strategyPreset("trend_filter")!.strategy,
    });
    const base = replayBars("USDCHF");
    const barsByTf: Partial<Record<Timeframe, Bar[]>> = {};
    for (const { timeframe } of config.ensemble.models) {
      const series = timeframe === "30m" ? base : resample(base, "30m", timeframe).bars;
      barsByTf[timeframe] = series
        .filter((b) => b.time + TIMEFRAME_MS[timeframe] <= req.asOf)
        .slice(-BARS_PER_TIMEFRAME);
    }
    const models = new Map<Timeframe, LoadedModel>();
    for (const { timeframe } of config.ensemble.models) {
      let m = this.loaded.get(timeframe);
      if (!m) {
        m = await loadModel(new Uint8Array(MODEL_BYTES[timeframe]!), FEATURE_COUNT, timeframe);
        this.loaded.set(timeframe, m);
      }
      models.set(timeframe, m);
    }
    const instrument = getInstrument("USDCHF");

    const prepare = () => {
      const r = prepareInputs(config, barsByTf);
      if (!r.ok) throw new Error(r.reason);
      return r.inputs;
    };
    const runModels = async (inputs: ReturnType<typeof prepare>) => {
      const outputs: Partial<Record<Timeframe, ModelOutput>> = {};
      for (const m of inputs.models) {
        if (!m.ok) continue;
        const p = await runProbabilities(models.get(m.timeframe)!, m.features, 1, FEATURE_COUNT);
        outputs[m.timeframe] = { probabilities: Array.from(p) };
      }
      return outputs;
    };
    const full = async () => {
      const inputs = prepare();
      return decide({
        botId: "bench",
        config,
        label: "multi",
        inputs,
        outputs: await runModels(inputs),
        instrument,
        balance: 10_000,
        now: 0,
      });
    };

    let sample = await full();
    for (let i = 0; i < 3; i++) sample = await full(); // warm-up (JIT, ORT arenas)
    const inputs = prepare();
    const outputs = await runModels(inputs);
    const time = async (fn: () => unknown | Promise<unknown>) => {
      const out: number[] = [];
      for (let r = 0; r < req.rounds; r++) {
        const t0 = Date.now();
        for (let i = 0; i < req.iterations; i++) await fn();
        out.push((Date.now() - t0) / req.iterations);
      }
      return out;
    };
    const fullMs = await time(full);
    const featuresMs = await time(prepare);
    const modelsMs = await time(() => runModels(inputs));
    const decideMs = await time(() =>
      decide({ botId: "bench", config, label: "multi", inputs, outputs, instrument, balance: 10_000, now: 0 }),
    );
    return {
      models: config.ensemble.models.length,
      barsPerTimeframe: Object.fromEntries(Object.entries(barsByTf).map(([tf, b]) => [tf, b.length])),
      fullMs,
      featuresMs,
      modelsMs,
      decideMs,
      sample: {
        direction: sample.direction,
        confidence: sample.confidence,
        reason: sample.reason,
        healthyModels: sample.ensemble.healthyModels,
      },
    };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a PredictionBenchRequest", { status: 405 });
    const req = (await request.json()) as PredictionBenchRequest;
    const stub = env.BENCH.get(env.BENCH.idFromName("bench"));
    return Response.json(await stub.run(req));
  },
} satisfies ExportedHandler<Env>;
