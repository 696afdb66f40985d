import { z } from "zod";
import { FEATURE_SCHEMA } from "../features/schema";

/** Bar prices a rule may use next to the feature names (price units, unlike most features). */
export const PRICE_FIELDS = ["open", "high", "low", "close"] as const;
/** Every name a rule may refer to: the feature schema's names, then the bar prices. */
export const RULE_INDICATORS = [...FEATURE_SCHEMA.names, ...PRICE_FIELDS] as const;

export const IndicatorSchema = z.enum(RULE_INDICATORS, {
  error: (iss) =>
    `${iss.input === undefined ? "indicator is required" : `unknown indicator ${JSON.stringify(iss.input)}`}; valid names: ${RULE_INDICATORS.join(", ")}`,
});

export const RULE_OPS = ["<", "<=", ">", ">=", "crosses_above", "crosses_below"] as const;
export const RuleOpSchema = z.enum(RULE_OPS);

export const RuleSchema = z
  .object({
    indicator: IndicatorSchema,
    op: RuleOpSchema,
    value: z
      .union([z.number(), z.object({ indicator: IndicatorSchema }).strict()], {
        error: (iss) => {
          const branch =
            iss.code === "invalid_union" && typeof iss.input === "object" && iss.input !== null
              ? iss.errors[1]
              : undefined;
          return branch?.length
            ? branch.map(issueText).join("; ")
            : "expected a finite number or { indicator: <name> }";
        },
      })
      .describe("a number, or another indicator"),
  })
  .strict();

/** Nesting limit: three levels of all/any cover any sensible rule and keep the OpenAPI schema finite. */
export const MAX_GROUP_DEPTH = 3;
const MAX_CHILDREN = 16;

/**
 * A union of strict objects told apart by which key the input carries. zod reports a failed union
 * as a bare "Invalid input"; this reports the issues of the branch the input was meant for, so a
 * typo deep in a rule tree still says what is wrong and where.
 */
function keyedUnion<const O extends readonly [z.ZodObject, ...z.ZodObject[]]>(
  keys: { [K in keyof O]: string },
  options: O,
  depthAllowed: number,
) {
  return z.union(options, {
    error: (iss) => {
      const input = iss.input;
      const expected = `expected an object with one of the keys ${keys.map((k) => `"${k}"`).join(", ")}`;
      if (typeof input !== "object" || input === null || Array.isArray(input) || iss.code !== "invalid_union")
        return expected;
      if (groupDepth(input) > depthAllowed) return `rule groups nest at most ${MAX_GROUP_DEPTH} levels deep`;
      const branch = keys.findIndex((k) => k in input);
      const issues = branch >= 0 ? iss.errors[branch] : undefined;
      if (!issues?.length) return expected;
      return issues.map(issueText).join("; ");
    },
  });
}

/** Nesting of all/any groups in raw input (0 for a rule). */
function groupDepth(x: unknown): number {
  if (typeof x !== "object" || x === null) return 0;
  const children = (x as { all?: unknown }).all ?? (x as { any?: unknown }).any;
  if (!Array.isArray(children)) return 0;
  return 1 + children.reduce((m: number, c) => Math.max(m, groupDepth(c)), 0);
}

function issueText(i: { path: readonly PropertyKey[]; message: string }): string {
  return i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message;
}

const groupOf = <C extends z.ZodType>(child: C) =>
  [
    z.object({ all: z.array(child).min(1).max(MAX_CHILDREN) }).strict(),
    z.object({ any: z.array(child).min(1).max(MAX_CHILDREN) }).strict(),
  ] as const;

// Depth 3 (innermost) holds rules only; each outer level holds rules or the level below.
const level3 = groupOf(RuleSchema);
const level2 = groupOf(keyedUnion(["indicator", "all", "any"], [RuleSchema, ...level3], 1));
const level1 = groupOf(keyedUnion(["indicator", "all", "any"], [RuleSchema, ...level2], 2));

/** `{ all: [...] }` (AND) or `{ any: [...] }` (OR) of rules and nested groups, up to MAX_GROUP_DEPTH levels. */
export const RuleGroupSchema = keyedUnion(["all", "any"], level1, MAX_GROUP_DEPTH);

/**
 * Rules per direction; null means no rule, so the model alone decides that direction.
 * exit_long / exit_short: a group that, when it passes on a cycle's decision bar, closes the bot's
 * open BUY / SELL positions (reason `signal`); null: no exit rule for that side.
 */
export const StrategySchema = z
  .object({
    buy: RuleGroupSchema.nullable().default(null),
    sell: RuleGroupSchema.nullable().default(null),
    exit_long: RuleGroupSchema.nullable().default(null),
    exit_short: RuleGroupSchema.nullable().default(null),
  })
  .strict();

export type Indicator = z.infer<typeof IndicatorSchema>;
export type RuleOp = z.infer<typeof RuleOpSchema>;
export type Rule = z.infer<typeof RuleSchema>;
/** The recursive shape the evaluator walks; every RuleGroupSchema output is one. */
export type RuleNode = Rule | RuleGroup;
export type RuleGroup = { all: readonly RuleNode[] } | { any: readonly RuleNode[] };
export type Strategy = z.infer<typeof StrategySchema>;
