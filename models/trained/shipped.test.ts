import { existsSync, readFileSync } from "node:fs";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { computeFeatures } from "../../core/features/compute";
import { FEATURE_COUNT, FEATURE_SCHEMA } from "../../core/features/schema";
import { parseBarsCsv } from "../../core/market/csv";
import { resample } from "../../core/market/resample";
import { ModelCardSchema } from "../../core/ml/train/card";
import { decodeModel } from "../../core/onnx/proto";

const here = (p: string) => new URL(p, import.meta.url);
const bars30m = parseBarsCsv(readFileSync(here("../data/usdchf_30m.csv"), "utf8")).bars;

describe.each(["2h", "4h", "1d"] as const)("shipped model usdchf_%s", (tf) => {
  const onnxUrl = here(`usdchf_${tf}.onnx`);
  const cardUrl = here(`usdchf_${tf}.card.json`);
  it("exists with a card that matches the file and the current feature schema", () => {
    expect(existsSync(onnxUrl) && existsSync(cardUrl)).toBe(true);
    const card = ModelCardSchema.parse(JSON.parse(readFileSync(cardUrl, "utf8")));
    expect(card.onnxSha256).toBe(bytesToHex(sha256(readFileSync(onnxUrl))));
    expect(card.featureSchema.hash).toBe(FEATURE_SCHEMA.hash);
    expect(card.timeframe).toBe(tf);
    expect(card.walkForward.folds.length).toBeGreaterThan(0);
    const props = Object.fromEntries(
      (decodeModel(readFileSync(onnxUrl)).metadataProps ?? []).map((e) => [e.key, e.value]),
    );
    expect(props.feature_schema_hash).toBe(FEATURE_SCHEMA.hash);
    expect(props.feature_count).toBe(String(FEATURE_COUNT));
    expect(props.timeframe).toBe(tf);
  });

  it("runs in onnxruntime-node on real USD/CHF feature rows: [N,3] probabilities", async () => {
    const bars = resample(bars30m, "30m", tf).bars;
    const fm = computeFeatures(bars);
    const n = Math.min(100, fm.count - fm.validFrom);
    const x = Float32Array.from(fm.values.subarray(fm.validFrom * FEATURE_COUNT, (fm.validFrom + n) * FEATURE_COUNT));
    const session = await ort.InferenceSession.create(readFileSync(onnxUrl));
    const out = await session.run({ features: new ort.Tensor("float32", x, [n, FEATURE_COUNT]) });
    const p = out.probabilities!;
    expect(p.dims).toEqual([n, 3]);
    const d = p.data as Float32Array;
    for (let i = 0; i < n; i++) expect(Math.abs(d[i * 3]! + d[i * 3 + 1]! + d[i * 3 + 2]! - 1)).toBeLessThan(1e-5);
  });
});
