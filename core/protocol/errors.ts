import { z } from "zod";

/** The one error shape every REST error uses: `{"error":{"code","message","details?"}}`. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export const ErrorCodes = {
  badRequest: "bad_request",
  validation: "validation_error",
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  notFound: "not_found",
  conflict: "conflict",
  payloadTooLarge: "payload_too_large",
  rateLimited: "rate_limited",
  internal: "internal_error",
  unavailable: "unavailable",
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
