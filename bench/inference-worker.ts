// Bench-only Worker (bench/inference-worker.wrangler.toml; never deployed with the app): times ORT start-up and inference inside
// a Durable Object with the production inference code. workerd's clock is coarse (1 ms steps
// locally, frozen between I/O in production), so each sample times a loop of calls and divides.
import { DurableObject } from "cloudflare:workers";
import { loadModel } from "../durable-objects/inference/model-inference";
import { ortReady, ortStatus } from "../durable-objects/inference/ort-runtime";
import { runProbabilities } from "../durable-objects/inference/run";
import type { BenchRequest, BenchResponse } from "./inference-worker-protocol";

interface Env {
  BENCH: DurableObjectNamespace<InferenceBench>;
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class InferenceBench extends DurableObject<Env> {
  async run(req: BenchRequest): Promise<BenchResponse> {
    const firstCallInThisIsolate = !ortStatus().started;
    await ortReady();
    const t0 = Date.now();
    const model = await loadModel(fromBase64(req.modelBase64), req.f, "bench model");
    const loadMs = Date.now() - t0;
    const rows = Float32Array.from(req.rows);
    let checksum = 0;
    for (let i = 0; i < Math.min(50, req.iterations); i++)
      checksum += (await runProbabilities(model, rows, req.n, req.f))[0]!; // warm-up
    const perCallUs: number[] = [];
    for (let r = 0; r < req.rounds; r++) {
      const start = Date.now();
      for (let i = 0; i < req.iterations; i++) checksum += (await runProbabilities(model, rows, req.n, req.f))[0]!;
      perCallUs.push(((Date.now() - start) * 1000) / req.iterations);
    }
    await model.session.release();
    return {
      startupMs: ortStatus().startupMs,
      firstCallInThisIsolate,
      loadMs,
      perCallUs,
      checksum,
      ortVersion: ortStatus().version,
    };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a BenchRequest", { status: 405 });
    const req = (await request.json()) as BenchRequest;
    const stub = env.BENCH.get(env.BENCH.idFromName("bench"));
    return Response.json(await stub.run(req));
  },
} satisfies ExportedHandler<Env>;
