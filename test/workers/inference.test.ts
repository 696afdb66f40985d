// onnxruntime-web inside the Durable Object vs onnxruntime-node (native): same models (written by
// core/onnx/writer.ts), same rows, max abs difference <= 1e-5. Plus the session cache and the typed
// failures. The native side runs in Node (native-reference.global-setup.ts) and arrives via inject.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import {
  InferenceError,
  type LoadedModel,
  LruCache,
  ModelInference,
  ortStatus,
  runProbabilities,
} from "../../durable-objects/inference";
import { ort } from "../../durable-objects/inference/ort-runtime";
import type { UserBot } from "../../durable-objects/user-bot";
import "./parity-fixture";
import { userBot } from "./user-bot-stub";

const fixture = inject("onnxParity");
const stub = () => userBot("inference-test-user");
const keyOf = (name: string) => `test/parity/${name}.onnx`;

async function storeModels(): Promise<void> {
  for (const c of fixture.cases) await env.MODELS.put(keyOf(c.name), Uint8Array.from(c.modelBytes));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("ORT parity: Durable Object (onnxruntime-web wasm) vs onnxruntime-node", () => {
  it("has the models and native outputs from the Node side", () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(["linear", "trees"]);
    expect(fixture.cases[0]!.batches.map((b) => b.n)).toEqual([1, 37, 1000]);
  });

  for (const name of ["linear", "trees"]) {
    it(`${name}: every batch matches native within 1e-5`, async () => {
      await storeModels();
      const c = fixture.cases.find((x) => x.name === name)!;
      for (const b of c.batches) {
        const res = await stub().predictProbabilities(keyOf(c.name), Float32Array.from(b.rows), c.featureCount);
        if (!res.ok) throw new Error(`${b.name}: ${res.error.code} ${res.error.message}`);
        expect(res.rows).toBe(b.n);
        const diff = maxAbsDiff(res.probabilities, b.native);
        expect(diff, `${name} ${b.name}`).toBeLessThanOrEqual(1e-5);
        // Rows are probability distributions (guards against comparing two wrong zero outputs).
        for (let i = 0; i < b.n; i++)
          expect(res.probabilities[i * 3]! + res.probabilities[i * 3 + 1]! + res.probabilities[i * 3 + 2]!).toBeCloseTo(
            1,
            5,
          );
      }
    });
  }

  it("started ORT through exactly one intercepted instantiate and restored WebAssembly.instantiate", async () => {
    await storeModels();
    const c = fixture.cases[0]!;
    await stub().predictProbabilities(keyOf(c.name), Float32Array.from(c.batches[0]!.rows), c.featureCount);
    const status = await runInDurableObject(stub(), () => ({
      ...ortStatus(),
      instantiate: String(WebAssembly.instantiate),
    }));
    expect(status).toMatchObject({ started: true, interceptedCalls: 1, version: "1.30.0" });
    expect(status.instantiate).toContain("[native code]");
  });
});

describe("session cache", () => {
  it("loads a model version once and reuses the session", async () => {
    await storeModels();
    const c = fixture.cases[0]!;
    const b = c.batches[1]!;
    await runInDurableObject(stub(), async (bot: UserBot) => {
      const first = await bot.inference.load(keyOf(c.name), c.featureCount);
      const again = await bot.inference.load(keyOf(c.name), c.featureCount);
      expect(again.session).toBe(first.session);
      expect(bot.inference.sessions.has(keyOf(c.name))).toBe(true);
      const out = await runProbabilities(first, Float32Array.from(b.rows), b.n, c.featureCount);
      expect(maxAbsDiff(out, b.native)).toBeLessThanOrEqual(1e-5);
    });
  });

  it("is bounded: the least recently used session is evicted and released", async () => {
    await storeModels();
    for (const k of ["a", "b", "c"])
      await env.MODELS.put(keyOf(`lru-${k}`), Uint8Array.from(fixture.cases[0]!.modelBytes));
    await runInDurableObject(stub(), async () => {
      const inf = new ModelInference(() => env.MODELS, 2);
      const f = fixture.cases[0]!.featureCount;
      const a = await inf.load(keyOf("lru-a"), f);
      await inf.load(keyOf("lru-b"), f);
      await inf.load(keyOf("lru-a"), f); // a is now most recent
      await inf.load(keyOf("lru-c"), f); // evicts b
      expect(inf.sessions.keys()).toEqual([keyOf("lru-a"), keyOf("lru-c")]);
      const b2 = await inf.load(keyOf("lru-b"), f); // reload evicts a, which gets released
      expect(inf.sessions.keys()).toEqual([keyOf("lru-c"), keyOf("lru-b")]);
      await new Promise((r) => setTimeout(r, 0));
      await expect(
        a.session.run({ features: new ort.Tensor("float32", new Float32Array(f), [1, f]) }),
      ).rejects.toThrow(); // released
      expect((await runProbabilities(b2, new Float32Array(f), 1, f)).length).toBe(3);
    });
  });

  it("never frees a session under a request that is about to run on it", async () => {
    await storeModels();
    const c = fixture.cases[0]!;
    const b = c.batches[1]!;
    for (const k of ["busy-a", "busy-b"]) await env.MODELS.put(keyOf(k), Uint8Array.from(c.modelBytes));
    await runInDurableObject(stub(), async () => {
      const inf = new ModelInference(() => env.MODELS, 1);
      await inf.load(keyOf("busy-a"), c.featureCount);
      // The predict is waiting for its (cached) session when another model evicts it; releasing it
      // then would free it under the run (this test fails if eviction ignores runs in flight).
      const pending = inf.predict(keyOf("busy-a"), Float32Array.from(b.rows), c.featureCount);
      const other = inf.load(keyOf("busy-b"), c.featureCount);
      const res = await pending;
      await other;
      if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
      expect(maxAbsDiff(res.probabilities, b.native)).toBeLessThanOrEqual(1e-5);
    });
  });

  it("shares one load between concurrent callers and does not cache a failed load", async () => {
    let loads = 0;
    const cache = new LruCache<number>(4);
    const slow = () => new Promise<number>((r) => setTimeout(() => r(++loads), 5));
    const [x, y] = await Promise.all([cache.get("k", slow), cache.get("k", slow)]);
    expect([x, y, loads]).toEqual([1, 1, 1]);
    await expect(cache.get("bad", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await Promise.resolve();
    expect(cache.has("bad")).toBe(false);
  });
});

describe("failures are typed results, not crashes", () => {
  it("reports a missing artifact, bytes that are not a model, and rows of the wrong width", async () => {
    await storeModels();
    await env.MODELS.put(keyOf("garbage"), new TextEncoder().encode("definitely not onnx"));
    const c = fixture.cases[0]!;
    const one = Float32Array.from(c.batches[0]!.rows);
    const missing = await stub().predictProbabilities(keyOf("nope"), one, c.featureCount);
    expect(missing).toMatchObject({ ok: false, error: { code: "model_not_found" } });
    const garbage = await stub().predictProbabilities(keyOf("garbage"), one, c.featureCount);
    expect(garbage).toMatchObject({
      ok: false,
      error: { code: "model_load_failed", message: expect.stringContaining("not an ONNX model") },
    });
    // Wrong width on first load: the contract check refuses it (and nothing is cached) ...
    await env.MODELS.put(keyOf("never-loaded"), Uint8Array.from(c.modelBytes));
    const wrongFirst = await stub().predictProbabilities(keyOf("never-loaded"), one.subarray(0, 12), 12);
    expect(wrongFirst).toMatchObject({
      ok: false,
      error: { code: "model_load_failed", message: expect.stringContaining("input 'features' has 34 features") },
    });
    // ... and on a cached session the width check refuses it before ORT runs.
    expect((await stub().predictProbabilities(keyOf(c.name), one, c.featureCount)).ok).toBe(true);
    const wrongCached = await stub().predictProbabilities(keyOf(c.name), one.subarray(0, 12), 12);
    expect(wrongCached).toMatchObject({
      ok: false,
      error: { code: "bad_input", message: "rows have 12 features, the model expects 34" },
    });
    const ragged = await stub().predictProbabilities(keyOf(c.name), one.subarray(0, 30), c.featureCount);
    expect(ragged).toMatchObject({ ok: false, error: { code: "bad_input" } });
    // The object still serves the good model afterwards.
    const ok = await stub().predictProbabilities(keyOf(c.name), one, c.featureCount);
    expect(ok.ok).toBe(true);
  });

  it("turns an onnxruntime run failure into an InferenceError", async () => {
    await storeModels();
    const c = fixture.cases[0]!;
    await runInDurableObject(stub(), async (bot: UserBot) => {
      const real = await bot.inference.load(keyOf(c.name), c.featureCount);
      // Lie about the width so ORT itself sees [1, 5] against its declared [N, 34] and throws.
      const lying: LoadedModel = { ...real, featureCount: 5 };
      const err = await runProbabilities(lying, new Float32Array(5), 1, 5).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InferenceError);
      expect(err).toMatchObject({
        code: "run_failed",
        message: expect.stringMatching(/model run failed: .*(dimension|Got)/i),
      });
    });
  });
});
