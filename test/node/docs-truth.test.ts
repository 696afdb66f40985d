// Numbers in the docs that code can derive are checked here (issue 18): the feature count, the
// shipped models' training times and sizes, and the bench table against bench/results. Every
// relative link in the repository's Markdown resolves to a file inside the repository.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURE_SCHEMA_NAME, FEATURE_SCHEMA_VERSION } from "../../core/features/schema";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const F = FEATURE_NAMES.length;
const schema = `'${FEATURE_SCHEMA_NAME}' v${FEATURE_SCHEMA_VERSION}`;

describe("feature count", () => {
  it("docs/INFERENCE.md states the schema's feature count wherever it names one", () => {
    const doc = read("docs/INFERENCE.md");
    expect(doc).toContain(`\`${schema}\`, ${F} features`);
    expect(doc).toContain(`the declared schema ${schema} has ${F}\``);
    expect(doc).toContain(`initial_types [None, ${F}]`);
  });

  it("docs/MODELS.md's feature counts are the schema's", () => {
    const counts = [...read("docs/MODELS.md").matchAll(/(\d+) features/g)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(0);
    expect(new Set(counts)).toEqual(new Set([F]));
  });
});

interface Card {
  timeframe: string;
  trainingMs: number;
  verdict: string;
}

describe("shipped models", () => {
  const cards = readdirSync(join(ROOT, "models/trained"))
    .filter((f) => f.startsWith("usdchf_") && f.endsWith(".card.json"))
    .map((f) => JSON.parse(read(`models/trained/${f}`)) as Card);

  it("docs/MODELS.md's training time and out-of-sample row count per USD/CHF model are its card's", () => {
    const doc = read("docs/MODELS.md");
    expect(cards.map((c) => c.timeframe).sort()).toEqual(["1d", "2h", "4h"]);
    for (const card of cards) {
      const section = doc.slice(doc.indexOf(`usdchf_${card.timeframe} per fold`));
      const block = section.slice(0, section.indexOf("training time") + 40);
      expect(block, card.timeframe).toContain(`training time ${Math.round(card.trainingMs / 1000)} s`);
      const rows = /Out of sample \((\d+) rows/.exec(card.verdict)?.[1];
      expect(doc, card.timeframe).toContain(`| usdchf_${card.timeframe} | ${rows} |`);
    }
  });
});

describe("bench table", () => {
  it("docs/PERFORMANCE.md lists every normalized bench result as bench.mjs renders it", async () => {
    const { resultRow } = (await import(pathToFileURL(join(ROOT, "scripts/lib/bench-table.mjs")).href)) as {
      resultRow(name: string, r: unknown): string;
    };
    const doc = read("docs/PERFORMANCE.md");
    const dir = join(ROOT, "bench/results/normalized");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const n = JSON.parse(readFileSync(join(dir, f), "utf8")) as { name: string; results: unknown[] };
      for (const r of n.results) expect(doc).toContain(resultRow(n.name, r));
    }
  });
});

describe("links", () => {
  const tracked = execFileSync("git", ["ls-files", "*.md"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);

  it("every relative Markdown link points at a file inside the repository", () => {
    const broken: string[] = [];
    for (const file of tracked) {
      const text = read(file);
      for (const m of text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/i.test(target)) continue;
        const abs = resolve(dirname(join(ROOT, file)), target);
        const inside = !relative(ROOT, abs).startsWith("..");
        if (!inside || !existsSync(abs)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
