import { z } from "@hono/zod-openapi";
import { ApiErrorSchema } from "../../core/protocol/errors";

// Request and response pieces every route's OpenAPI definition uses, so each route file states
// only what is its own (summary, schemas, status codes).

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** A JSON response with a schema. */
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

/** An error answer: the error JSON (`{ error: { code, message, details? } }`). */
export const errorResponse = (description: string) => jsonResponse(description, ApiErrorSchema);

/** A list answer that is JSON by default and CSV with `?format=csv` or `Accept: text/csv`. */
export const jsonOrCsvResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: {
    "application/json": { schema },
    "text/csv": { schema: z.string().describe("RFC 4180 CSV, one header line, then every matching row") },
  },
});
