// `npm run backtest -- --config bot.json`: the file holds a bot config in the API's schema
// (BotConfigSchema: rules, exits, stops, sizing, gates, protections), either bare or as the API returns
// a bot (`{"config": {...}}`), plus an optional `instrument` object overriding the symbol's spec
// (digits, tickSize, contractSize, defaultSpreadPoints, commissionPerLotPerSide, ...) for custom data.
import { z } from "zod";
import { getInstrument } from "../../core/instruments/catalog";
import { type InstrumentSpec, InstrumentSpecFields, InstrumentSpecSchema } from "../../core/instruments/spec";
import { type BotConfig, BotConfigSchema } from "../../core/protocol/bot-config";

export const InstrumentOverridesSchema = InstrumentSpecFields.omit({ symbol: true }).partial().strict();
export type InstrumentOverrides = z.infer<typeof InstrumentOverridesSchema>;

const FileSchema = z.record(z.string(), z.unknown(), { error: "the config file must hold a JSON object" });

/** One line per problem: `path: message` (zod's issues, paths from the file's root). */
export type ConfigIssues = string[];
const lines = (e: z.ZodError, prefix: (string | number)[] = []): ConfigIssues =>
  e.issues.map((i) => {
    const path = [...prefix, ...i.path.map(String)].join(".");
    return `${path || "(root)"}: ${i.message}`;
  });

export interface ConfigFile {
  /** The bot part as written (validated later, once the data's timeframe can fill a missing ensemble). */
  bot: Record<string, unknown>;
  /** Where the bot part sits in the file, for error paths. */
  botPath: string[];
  instrument: InstrumentOverrides;
}

/** The file's JSON split into its bot config and instrument overrides; issues when it can't be. */
export function readConfigFile(text: string): { ok: true; file: ConfigFile } | { ok: false; issues: ConfigIssues } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [`not JSON: ${(err as Error).message}`] };
  }
  const top = FileSchema.safeParse(json);
  if (!top.success) return { ok: false, issues: lines(top.error) };
  const { instrument, ...rest } = top.data;
  const over = InstrumentOverridesSchema.safeParse(instrument ?? {});
  const wrapped = typeof rest["config"] === "object" && rest["config"] !== null && !Array.isArray(rest["config"]);
  // The API's bot object ({id, name, symbol, config, ...}): its config, with the bot's symbol when the config has none.
  const bot = wrapped
    ? { ...(typeof rest["symbol"] === "string" ? { symbol: rest["symbol"] } : {}), ...(rest["config"] as object) }
    : rest;
  if (!over.success) return { ok: false, issues: lines(over.error, ["instrument"]) };
  return { ok: true, file: { bot, botPath: wrapped ? ["config"] : [], instrument: over.data } };
}

/** The bot part through BotConfigSchema, exactly as the API validates it. */
export function parseBotConfig(
  file: ConfigFile,
  fill: Record<string, unknown>,
): { ok: true; config: BotConfig } | { ok: false; issues: ConfigIssues } {
  const r = BotConfigSchema.safeParse({ ...fill, ...file.bot });
  return r.success ? { ok: true, config: r.data } : { ok: false, issues: lines(r.error, file.botPath) };
}

/**
 * The spec the backtest trades: the shipped one for the symbol (if any) with the overrides on top.
 * Digits without a tick size make the tick one point. A symbol without a shipped spec needs every field.
 */
export function instrumentFor(
  symbol: string,
  overrides: InstrumentOverrides,
): { ok: true; spec: InstrumentSpec } | { ok: false; issues: ConfigIssues } {
  const base = getInstrument(symbol);
  const tick =
    overrides.digits !== undefined && overrides.tickSize === undefined ? { tickSize: 10 ** -overrides.digits } : {};
  const r = InstrumentSpecSchema.safeParse({ ...base, ...tick, ...overrides, symbol });
  if (r.success) return { ok: true, spec: r.data };
  const why = base ? "" : ` (no shipped spec for ${symbol}: the instrument overrides must give every field)`;
  return { ok: false, issues: lines(r.error, ["instrument"]).map((l) => `${l}${why}`) };
}
