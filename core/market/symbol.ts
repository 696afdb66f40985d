import { z } from "zod";

/** A market-data symbol as sources and the candles API accept it. */
export const SymbolSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,40}$/, "symbol: 1-40 of A-Z a-z 0-9 . _ : -");
