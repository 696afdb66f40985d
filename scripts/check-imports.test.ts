// The import check itself: a small tree laid out like the repository passes, and each kind of
// wrong import (against the layer order, a type-only circle, a circle between core folders, a
// test fixture imported by deployed code) fails it with the rule's name.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");
const dirs: string[] = [];

/** A throwaway repository with the real config and the given files (path -> source). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "imports-"));
  dirs.push(root);
  copyFileSync(path.join(repo, ".dependency-cruiser.cjs"), path.join(root, ".dependency-cruiser.cjs"));
  writeFileSync(
    path.join(root, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "ES2022", moduleResolution: "Bundler", strict: true } }),
  );
  writeFileSync(path.join(root, "package.json"), "{}");
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  }
  return root;
}

function check(root: string): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [path.join(repo, "scripts/check-imports.mjs"), root], { encoding: "utf8" });
  return { code: r.status, output: r.stdout + r.stderr };
}

/** The layers as the repository has them, importing one way. */
const good: Record<string, string> = {
  "core/market/bar.ts": "export interface Bar { time: number }\n",
  "core/protocol/bars.ts": 'import type { Bar } from "../market/bar";\nexport type Bars = Bar[];\n',
  "platform/env.ts": 'import type { UserBotRpc } from "./rpc/user-bot";\nexport interface Env { bot: UserBotRpc }\n',
  "platform/rpc/user-bot.ts":
    'import type { Bars } from "../../core/protocol/bars";\nexport interface UserBotRpc { bars(): Bars }\n',
  "durable-objects/user-bot.ts":
    'import type { Env } from "../platform/env";\nimport type { UserBotRpc } from "../platform/rpc/user-bot";\nexport class UserBot implements UserBotRpc { constructor(readonly env: Env) {} bars() { return []; } }\n',
  "worker/routes.ts":
    'import type { Env } from "../platform/env";\nexport const route = (env: Env) => env.bot.bars();\n',
  "worker/index.ts": 'export { UserBot } from "../durable-objects/user-bot";\nexport { route } from "./routes";\n',
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("import check (scripts/check-imports.mjs)", () => {
  it("passes a tree whose layers import one way", () => {
    const r = check(tree(good));
    expect(r.output).toContain("import check: ok");
    expect(r.code).toBe(0);
  });

  it("fails a type-only import of the object class from platform/ (the circle issue 18 removed)", () => {
    const r = check(
      tree({
        ...good,
        "platform/env.ts":
          'import type { UserBot } from "../durable-objects/user-bot";\nexport interface Env { bot: UserBot }\n',
      }),
    );
    expect(r.code).toBe(1);
    expect(r.output).toContain("platform-below-transports: platform/env.ts -> durable-objects/user-bot.ts");
    expect(r.output).toContain("no-circular");
  });

  it("fails the Worker importing an object module (other than its entry)", () => {
    const r = check(
      tree({
        ...good,
        "worker/routes.ts": 'import { UserBot } from "../durable-objects/user-bot";\nexport const route = UserBot;\n',
      }),
    );
    expect(r.code).toBe(1);
    expect(r.output).toContain("worker-not-objects: worker/routes.ts -> durable-objects/user-bot.ts");
  });

  it("fails core/ importing a platform or Node program module", () => {
    const r = check(
      tree({
        ...good,
        "core/market/bar.ts":
          'import type { Env } from "../../platform/env";\nexport interface Bar { time: number; env?: Env }\n',
      }),
    );
    expect(r.code).toBe(1);
    expect(r.output).toContain("core-is-runtime-agnostic: core/market/bar.ts -> platform/env.ts");
  });

  it("fails a circle between core folders even when no two files import each other", () => {
    const r = check(
      tree({
        ...good,
        "core/market/source.ts": 'import type { Bars } from "../protocol/bars";\nexport type Source = () => Bars;\n',
      }),
    );
    expect(r.code).toBe(1);
    expect(r.output).toContain("folder-circle: core/market <-> core/protocol");
  });

  it("fails deployed code importing a test fixture", () => {
    const r = check(
      tree({
        ...good,
        "test/fixtures/bots.ts": "export const bots = [];\n",
        "worker/routes.ts": 'import { bots } from "../test/fixtures/bots";\nexport const route = () => bots;\n',
      }),
    );
    expect(r.code).toBe(1);
    expect(r.output).toContain("no-test-or-bench-in-production: worker/routes.ts -> test/fixtures/bots.ts");
  });
});
