import { z } from "zod";

/** Answer of POST /ml/models/{id}/shipped-models: the versions now active for the bot. */
export const InstalledShippedModelsSchema = z.object({
  symbol: z.string(),
  installed: z.array(z.object({ timeframe: z.string(), id: z.string(), version: z.number().int(), r2Key: z.string() })),
});
export type InstalledShippedModels = z.infer<typeof InstalledShippedModelsSchema>;
