// Property-based fuzzing of every REST operation that takes input. Operations are read from the
// Worker's own OpenAPI document, so routes that land later are fuzzed without editing this file.
// For each operation: hostile bodies, queries and path segments; assert no 5xx, the one error shape
// on 4xx, and that a refused request changed nothing (all D1 tables, R2 keys, the user's object).
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../core/protocol/errors";
import { createApp } from "../../worker/app";
import { api, registerUser, type TestUser } from "./helpers";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 30);
/**
 * Wall-time budget per operation past the first MIN_RUNS (which always run, however slow the
 * machine): the file stays bounded on a loaded machine without its verdict depending on speed.
 */
const MS_PER_OP = Number(process.env["FUZZ_MS_PER_OP"] ?? 1500);
const MIN_RUNS = 3;
const SEED = process.env["FUZZ_SEED"] ? Number(process.env["FUZZ_SEED"]) : undefined;

// ---- hostile values ----

const NUMBERISH = [
  "NaN",
  "1e308",
  "-1e308",
  "1e309",
  "Infinity",
  "-Infinity",
  "-0",
  "0x10",
  "1_000",
  "  1",
  "",
  "null",
  "undefined",
  "[]",
  "{}",
];
const PROTO = [
  '{"__proto__":{"admin":true,"role":"admin"}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"__proto__":null,"toString":1,"valueOf":{}}',
];

const weirdString = fc.oneof(
  fc.constantFrom(
    ...NUMBERISH,
    "__proto__",
    "constructor",
    "prototype",
    "../../etc/passwd",
    "%00",
    "\u0000",
    "\ud800",
    "\u202e",
    "𝕏🙂",
    "' OR 1=1 --",
    "<script>",
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => "x".repeat(n)),
);

const weirdScalar = fc.oneof(
  weirdString,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt().map(String),
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: weirdScalar },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(weirdScalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(weirdString, weirdScalar, { maxKeys: 4 }) },
);

/** Objects with the operation's own field names (so validation goes deep), plus unknown and prototype keys. */
const shaped = (keys: string[]) =>
  fc
    .tuple(
      keys.length ? fc.subarray(keys) : fc.constant([] as string[]),
      fc.array(weirdValue, { minLength: keys.length, maxLength: keys.length }),
      fc.dictionary(fc.oneof(weirdString, fc.constantFrom("__proto__", "constructor", "prototype")), weirdValue, {
        maxKeys: 2,
      }),
    )
    .map(([ks, vs, extra]) => {
      const o: Record<string, unknown> = {};
      ks.forEach((k, i) => (o[k] = vs[i]));
      for (const [k, v] of Object.entries(extra))
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    });

const deepNesting = fc
  .integer({ min: 100, max: 20_000 })
  .chain((d) => fc.constantFrom("[".repeat(d) + "]".repeat(d), '{"a":'.repeat(d) + "1" + "}".repeat(d), "[".repeat(d)));

/** A raw body: text or bytes. */
const hostileBody = (keys: string[]): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: shaped(keys).map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO) },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 60_000, max: 80_000 })
        .map((n) => JSON.stringify({ [keys[0] ?? "x"]: "y".repeat(n) })),
    },
  );

const hostileQuery = (names: string[]) =>
  fc.dictionary(
    fc.oneof(
      { weight: 3, arbitrary: names.length ? fc.constantFrom(...names) : weirdString },
      { weight: 1, arbitrary: weirdString },
    ),
    weirdString.map((s) => s.slice(0, 3000)),
    { maxKeys: 4 },
  );

// ---- the operations, from the OpenAPI document ----

type JsonSchema = { $ref?: string; properties?: Record<string, unknown> };
interface Operation {
  method: string;
  path: string;
  bodyType?: string;
  bodyKeys: string[];
  query: string[];
  params: string[];
}

/** Built from the app itself at collection time, so each operation gets its own test (and timeout). */
function operations(): Operation[] {
  const doc = createApp().getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "fuzz", version: "1" },
  }) as unknown as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { in: string; name: string }[];
          requestBody?: { content: Record<string, { schema: JsonSchema }> };
        }
      >
    >;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined =>
    s?.$ref ? doc.components?.schemas?.[s.$ref.split("/").pop()!] : s;
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      const bodyType = Object.keys(content)[0];
      const params = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        bodyType,
        bodyKeys: Object.keys(resolve(bodyType ? content[bodyType]!.schema : undefined)?.properties ?? {}),
        query: params.filter((p) => p.in === "query").map((p) => p.name),
        params: params.filter((p) => p.in === "path").map((p) => p.name),
      });
    }
  }
  // Only operations that take input; the metrics scrape is covered by metrics.test.ts.
  return ops.filter(
    (o) => (o.bodyType || o.query.length || o.params.length || o.method !== "GET") && !o.path.endsWith("/metrics"),
  );
}

// ---- state: everything a refused request must leave alone ----

let tableInfo: { name: string; userScoped: boolean; cols: string[] }[] | undefined;
/** Row counts of every table, plus the fuzzing user's own rows in full (an update changes no count). */
async function d1State(userId: string): Promise<string> {
  if (!tableInfo) {
    const tables = await env.DB.prepare(
      // Not `predictions`: the log of the model's outputs, written whenever the object computes a
      // prediction it has not cached for the bar (POST /predict, cycles and manual Execute alike). A
      // manual Execute refused with 409 no_plan (the model says HOLD) has computed one, as predict
      // would: a log line of what the model said, not a change to the user's bots, trades or money.
      "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT IN ('d1_migrations', 'predictions') ORDER BY name",
    ).all<{ name: string }>();
    tableInfo = [];
    for (const { name } of tables.results) {
      const cols = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
      tableInfo.push({
        name,
        userScoped: cols.results.some((c) => c.name === "user_id"),
        cols: cols.results.map((c) => `"${c.name}"`),
      });
    }
  }
  const statements = tableInfo.map((t) =>
    t.userScoped
      ? env.DB.prepare(
          `SELECT (SELECT COUNT(*) FROM "${t.name}") AS n, (SELECT json_group_array(json_array(${t.cols.join(", ")})) FROM "${t.name}" t WHERE user_id = ?) AS own`,
        ).bind(userId)
      : env.DB.prepare(`SELECT COUNT(*) AS n, NULL AS own FROM "${t.name}"`),
  );
  const results = await env.DB.batch<{ n: number; own: string | null }>(statements);
  return results.map((r, i) => `${tableInfo![i]!.name}:${r.results[0]?.n}:${r.results[0]?.own ?? ""}`).join("\n");
}

async function r2State(): Promise<string> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.MODELS.list({ cursor });
    keys.push(...page.objects.map((o) => `${o.key}:${o.etag}`));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.join(",");
}

/** The user's object: open positions and the account's cash ledger (marks move with the replay clock, so not equity). */
async function objectState(userId: string): Promise<string> {
  const stub = env.USER_BOT.get(env.USER_BOT.idFromName(userId));
  const positions = await stub.openPositions(userId);
  return JSON.stringify(positions.map((p) => [p.id, p.volume ?? null]));
}

const snapshot = async (u: TestUser) =>
  (await Promise.all([d1State(u.userId), r2State(), objectState(u.userId)])).join("\n--\n");

// ---- the test ----

const KNOWN_INPUT_ROUTES = [
  "POST /auth/register",
  "POST /auth/login",
  "POST /auth/refresh",
  "POST /auth/logout",
  "POST /connectors",
  "DELETE /connectors/{id}",
  "POST /ml/models",
  "PATCH /ml/models/{id}",
  "POST /ml/models/{id}/activate",
  "PUT /ml/models/{id}/artifact",
  "GET /market/candles",
];

const ops = operations();
/** Login verifies a dummy argon2id hash for unknown emails (~0.3 s each): fewer runs keep the file bounded. */
const runsFor = (op: Operation) =>
  op.path.endsWith("/auth/login") || op.path.endsWith("/auth/register") ? Math.ceil(RUNS / 4) : RUNS;

async function userWithBot(): Promise<{ user: TestUser; botId: string }> {
  const user = await registerUser();
  const res = await api("/api/v1/ml/models", {
    method: "POST",
    token: user.accessToken,
    json: { name: "fuzz", symbol: "USDCHF" },
  });
  expect(res.status).toBe(201);
  return { user, botId: ((await res.json()) as { id: string }).id };
}

/** Percent-encoded, except a few raw malformed escapes on purpose; lone surrogates become their (invalid) UTF-8 bytes. */
function pathSegment(v: string): string {
  if (RAW_SEGMENTS.includes(v)) return v;
  try {
    return encodeURIComponent(v);
  } catch {
    return "%ED%A0%80";
  }
}
const RAW_SEGMENTS = ["%", "%zz", "%C0%AF", "%00", "..", "%2e%2e%2f"];

function buildUrl(op: Operation, params: Record<string, string>, query: Record<string, string>): string {
  let path = op.path;
  for (const p of op.params) path = path.replace(`{${p}}`, pathSegment(params[p] ?? "x"));
  const qs = new URLSearchParams(query).toString();
  return qs ? `${path}?${qs}` : path;
}

describe("REST fuzzing (fast-check, inputs from the OpenAPI document)", () => {
  it("the document lists every known input route (so nothing is skipped silently)", () => {
    const names = new Set(ops.map((o) => `${o.method} ${o.path.replace(/^\/api\/v1/, "")}`));
    for (const r of KNOWN_INPUT_ROUTES) expect(names, r).toContain(r);
  });

  for (const op of ops) {
    it(`${op.method} ${op.path}: no 5xx, error shape on 4xx, refused requests change nothing`, async () => {
      // A fresh user (with one bot) per operation: the per-user rate limit stays out of the way.
      const { user, botId } = await userWithBot();
      const input = fc.record({
        body: op.bodyType ? hostileBody(op.bodyKeys) : fc.constant(undefined),
        contentType: fc.oneof(
          { weight: 5, arbitrary: fc.constant(op.bodyType ?? "application/json") },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              "text/plain",
              "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=x",
              "application/json; charset=utf-16",
            ),
          },
        ),
        query: hostileQuery(op.query),
        // The user's real bot id most of the time, so validation of the rest is what's exercised.
        params: fc.dictionary(
          fc.constantFrom(...(op.params.length ? op.params : ["none"])),
          fc.oneof(
            { weight: 3, arbitrary: fc.constant(botId) },
            { weight: 1, arbitrary: weirdString.filter((s) => s.length > 0 && s.length < 2000) },
            { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
          ),
        ),
        authed: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      });
      const label = `${op.method} ${op.path}`;
      const started = Date.now();
      const property = fc.asyncProperty(input, async ({ body, contentType, query, params, authed }) => {
        const before = await snapshot(user);
        const url = buildUrl(op, { id: botId, ...params }, query);
        const res = await api(url, {
          method: op.method,
          token: authed ? user.accessToken : undefined,
          headers: body !== undefined ? { "Content-Type": contentType } : undefined,
          body,
        });
        const text = await res.text();
        expect(res.status, `${label} -> ${res.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get("Content-Type") ?? "").toContain("application/json");
          ApiErrorSchema.parse(JSON.parse(text));
          expect(await snapshot(user), `${label} refused with ${res.status} but changed state`).toBe(before);
        }
      });
      let runs = 0;
      for (const budget of [
        { numRuns: MIN_RUNS },
        { numRuns: Math.max(0, runsFor(op) - MIN_RUNS), interruptAfterTimeLimit: MS_PER_OP },
      ]) {
        if (budget.numRuns === 0) continue;
        const out = await fc.check(property, {
          ...budget,
          seed: SEED === undefined ? undefined : SEED + runs,
          endOnFailure: true,
          markInterruptAsFailure: false,
        });
        if (out.failed)
          throw new Error(fc.defaultReportMessage(out) ?? "property failed", { cause: out.errorInstance });
        runs += out.numRuns;
      }
      console.log(`fuzz ${label}: ${runs} runs in ${Date.now() - started} ms`);
      expect(runs).toBeGreaterThanOrEqual(Math.min(MIN_RUNS, runsFor(op)));
    });
  }

  it("prototype-pollution keys never reach objects: a register body with __proto__.role does not grant admin", async () => {
    const email = `proto-${crypto.randomUUID()}@example.com`;
    const res = await api("/api/v1/auth/register", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: `{"email":"${email}","password":"correct horse battery staple","__proto__":{"role":"admin"},"role":"admin"}`,
    });
    // Unknown keys are either refused or ignored; never a 5xx and never an admin.
    expect(res.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>)["role"]).toBeUndefined();
    if (res.status === 201) {
      const session = (await res.json()) as { access_token: string };
      const metrics = await api("/api/v1/metrics", { token: session.access_token });
      expect(metrics.status).toBe(403);
    }
  });
});
