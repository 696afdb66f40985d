// The formatter/linter config itself (biome.json): a file as `npm run format` leaves it passes
// `biome check`; a deliberately long line, unsorted imports and a lint error each fail it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");
const biome = path.join(repo, "node_modules", ".bin", "biome");
const dirs: string[] = [];

/** `biome check` with the repository's config on one file in a throwaway folder. */
function check(source: string, write = false): { code: number | null; output: string; after: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "lint-"));
  dirs.push(dir);
  const config = JSON.parse(readFileSync(path.join(repo, "biome.json"), "utf8"));
  delete config.$schema;
  delete config.vcs; // the copy is not in a git checkout
  writeFileSync(path.join(dir, "biome.json"), JSON.stringify(config));
  writeFileSync(path.join(dir, "sample.ts"), source);
  const r = spawnSync(biome, ["check", ...(write ? ["--write"] : []), "sample.ts"], { cwd: dir, encoding: "utf8" });
  return { code: r.status, output: r.stdout + r.stderr, after: readFileSync(path.join(dir, "sample.ts"), "utf8") };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const clean = `import { a } from "./a";
import { b } from "./b";

export const sum = (x: number): number => a(x) + b(x);
`;

describe("biome.json (npm run lint / npm run format)", () => {
  it("passes a formatted file with sorted imports", () => {
    const r = check(clean);
    expect(r.output).not.toContain("×");
    expect(r.code).toBe(0);
  });

  it("fails a deliberately long line (over 120 columns), and format wraps it", () => {
    const long = `${clean}export const total = (first: number, second: number, third: number, fourth: number) => sum(first) + sum(second) + sum(third) + sum(fourth);\n`;
    expect(long.split("\n").some((l) => l.length > 120)).toBe(true);
    const r = check(long);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("format");
    const fixed = check(long, true);
    expect(fixed.code).toBe(0);
    expect(fixed.after.split("\n").every((l) => l.length <= 120)).toBe(true);
  });

  it("fails unsorted imports (format sorts them)", () => {
    const unsorted = clean.replace(
      'import { a } from "./a";\nimport { b } from "./b";',
      'import { b } from "./b";\nimport { a } from "./a";',
    );
    const r = check(unsorted);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("organizeImports");
    expect(check(unsorted, true).after).toBe(clean);
  });

  it("fails a lint rule that formatting can't fix", () => {
    const r = check(`${clean}export function f(): void {\n  let x;\n  x = 1;\n  return x;\n}\n`);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/noImplicitAnyLet|noVoidTypeReturn/);
  });
});
