// Request/response of the bench-only prediction Worker (prediction-worker.ts), shared with bench/prediction.ts.
export interface PredictionBenchRequest {
  /** Decide at this time (epoch ms): bars closing after it are not used. */
  asOf: number;
  /** 3 = the shipped 2h/4h/1d ensemble; 5 adds 30m and 1h (running the 2h and 4h models on them). */
  models: 3 | 5;
  iterations: number;
  rounds: number;
}

export interface PredictionBenchResponse {
  models: number;
  barsPerTimeframe: Record<string, number>;
  /** Per round: ms per full prediction (features + models + decide). */
  fullMs: number[];
  /** Per round: ms for the parts alone. */
  featuresMs: number[];
  modelsMs: number[];
  decideMs: number[];
  sample: { direction: string; confidence: number; reason: string; healthyModels: number };
}
