import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { ApiError, ErrorCode } from "../../core/protocol/errors";
import { errorMessage } from "../../core/util/error-message";
import { issueDetails } from "../../core/util/zod-issues";
import type { AppEnv } from "../app-env";
import { HttpError } from "../lib/http-error";

export function errorJson(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  details?: unknown,
  headers?: Record<string, string>,
) {
  const body: ApiError = { error: { code, message } };
  if (details !== undefined) body.error.details = details;
  return c.json(body, status, headers);
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof HttpError) return errorJson(c, err.status, err.code, err.message, err.details, err.headers);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code: ErrorCode =
      status === 413
        ? "payload_too_large"
        : status === 401
          ? "unauthorized"
          : status >= 500
            ? "internal_error"
            : "bad_request";
    return errorJson(c, status, code, err.message || "request failed");
  }
  c.var.log?.error("unhandled error", {
    error: errorMessage(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return errorJson(c, 500, "internal_error", "internal error");
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorJson(c, 404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);

/**
 * zod-openapi's hook: every validation failure gets the one error shape with the issues. The body
 * parsed (malformed JSON never gets here: hono answers that itself), so the message says the
 * values failed the schema, naming the part of the request (`json` body, `query`, `param`, ...).
 */
export function validationHook(result: { success: boolean; error?: ZodError; target?: string }, c: Context) {
  if (!result.success && result.error) {
    const where = result.target ?? "request";
    const details = issueDetails(result.error).map((d) => ({ ...d, in: where }));
    return errorJson(
      c,
      400,
      "validation_error",
      `validation failed: the ${where === "json" ? "body" : where} does not match the schema`,
      details,
    );
  }
  return undefined;
}
