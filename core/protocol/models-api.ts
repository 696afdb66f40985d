import { z } from "zod";
import { BotConfigBodySchema, BotConfigSchema, SymbolSchema } from "./bot-config";
import { displayName } from "./display-name";

// Requests and responses of /api/v1/ml/models (a "model" in the API is a bot: symbol, ensemble,
// strategy, risk and execution settings).

export const BotNameSchema = displayName(80);

/** POST /ml/models: name and symbol; every config section is optional and filled with defaults. */
export const CreateBotRequestSchema = z
  .object({
    name: BotNameSchema,
    symbol: SymbolSchema,
    config: BotConfigBodySchema.prefault({}),
  })
  .strict();

/**
 * PATCH /ml/models/{id}: a partial config deep-merged into the stored one (see mergeConfigPatch),
 * then validated as a whole; an invalid result is a 400 and the bot stays as it was.
 */
export const UpdateBotRequestSchema = z
  .object({
    name: BotNameSchema.optional(),
    symbol: SymbolSchema.optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("partial BotConfig (without symbol), deep-merged into the stored config"),
  })
  .strict()
  .refine(
    (b) => b.name !== undefined || b.symbol !== undefined || b.config !== undefined,
    "nothing to update: give name, symbol or config",
  );

export const BotSchema = z.object({
  id: z.string(),
  name: z.string(),
  symbol: z.string(),
  active: z.boolean(),
  target: z.enum(["paper", "connector"]),
  config: BotConfigSchema,
  created_at: z.string().describe("ISO 8601"),
  updated_at: z.string().describe("ISO 8601"),
});

export const BotListSchema = z.object({ models: z.array(BotSchema) });

export type CreateBotRequest = z.infer<typeof CreateBotRequestSchema>;
export type UpdateBotRequest = z.infer<typeof UpdateBotRequestSchema>;
export type Bot = z.infer<typeof BotSchema>;
export type BotList = z.infer<typeof BotListSchema>;
