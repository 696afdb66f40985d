import { describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURE_SCHEMA, featureIndex, featureSchemaHash } from "./schema";

describe("feature schema", () => {
  it("has 30+ unique snake_case names", () => {
    expect(FEATURE_NAMES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const n of FEATURE_NAMES) expect(n).toMatch(/^[a-z][a-z0-9_.]*$/);
  });

  it("hash is the SHA-256 of name|version|names and is stable", () => {
    expect(FEATURE_SCHEMA.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(featureSchemaHash(FEATURE_SCHEMA.name, FEATURE_SCHEMA.version, [...FEATURE_NAMES])).toBe(
      FEATURE_SCHEMA.hash,
    );
    // Pinned: if this changes, every shipped model's recorded hash is stale: bump the version and retrain.
    expect(FEATURE_SCHEMA.hash).toBe("06a1a205b8defb2705b273a96a3bbfd776de5cb86e59cc4c630e71ff5fa637f6");
  });

  it("hash changes when names, order, name or version change", () => {
    const names = [...FEATURE_NAMES];
    const base = FEATURE_SCHEMA.hash;
    const swapped = [...names];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(featureSchemaHash(FEATURE_SCHEMA.name, FEATURE_SCHEMA.version, swapped)).not.toBe(base);
    expect(featureSchemaHash(FEATURE_SCHEMA.name, FEATURE_SCHEMA.version, names.slice(1))).not.toBe(base);
    expect(featureSchemaHash(FEATURE_SCHEMA.name, FEATURE_SCHEMA.version, [...names, "extra"])).not.toBe(base);
    expect(featureSchemaHash(FEATURE_SCHEMA.name, FEATURE_SCHEMA.version + 1, names)).not.toBe(base);
    expect(featureSchemaHash("other", FEATURE_SCHEMA.version, names)).not.toBe(base);
  });

  it("featureIndex maps names to columns and rejects unknown names", () => {
    FEATURE_NAMES.forEach((n, i) => expect(featureIndex(n)).toBe(i));
    expect(() => featureIndex("rsi_15")).toThrow(/unknown feature/);
  });
});
