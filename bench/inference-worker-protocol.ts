// Request/response of the bench-only inference Worker (inference-worker.ts), shared with bench/inference.ts.
export interface BenchRequest {
  modelBase64: string;
  rows: number[];
  n: number;
  f: number;
  iterations: number;
  rounds: number;
}

export interface BenchResponse {
  startupMs: number | undefined;
  firstCallInThisIsolate: boolean;
  loadMs: number;
  perCallUs: number[];
  checksum: number;
  ortVersion: string;
}
