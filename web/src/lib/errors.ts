import { errorMessage } from "@core/util/error-message";
import type { ApiError } from "./contracts";

/** An API failure in the one error shape `{"error":{"code","message","details"}}`, plus the status. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/**
 * The symbol has no market data yet (nothing stored for it, or none of a timeframe): its source has
 * not delivered bars. Panels show a calm empty state for it, not a failure.
 */
export function isNoMarketData(err: unknown): boolean {
  const reason = (err instanceof ApiRequestError ? (err.details as { reason?: unknown } | undefined) : undefined)
    ?.reason;
  return reason === "no_data" || reason === "unknown_symbol";
}

function isApiError(body: unknown): body is ApiError {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const e = (body as { error: unknown }).error;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/** Turns any failed response body into an ApiRequestError (non-JSON bodies get a generic code). */
export function toApiRequestError(status: number, body: unknown, fallbackText = ""): ApiRequestError {
  if (isApiError(body)) return new ApiRequestError(status, body.error.code, body.error.message, body.error.details);
  const message = fallbackText.trim().slice(0, 200) || `request failed with HTTP ${status}`;
  return new ApiRequestError(status, status >= 500 ? "internal_error" : "http_error", message);
}

/**
 * Human-readable lines for error details: zod issues (`path` as array or dotted string + `message`),
 * or an object with an `errors` list (e.g. the model contract's `{code, message}` violations).
 */
export function detailLines(details: unknown): string[] {
  if (
    typeof details === "object" &&
    details !== null &&
    !Array.isArray(details) &&
    Array.isArray((details as { errors?: unknown }).errors)
  ) {
    return detailLines((details as { errors: unknown[] }).errors);
  }
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) => {
    if (typeof d !== "object" || d === null) return [];
    const { path, message, code } = d as { path?: unknown; message?: unknown; code?: unknown };
    if (typeof message !== "string") return [];
    const p = Array.isArray(path) ? path.join(".") : typeof path === "string" ? path : "";
    const where = p ? `${p}: ` : typeof code === "string" && !("path" in d) ? `${code}: ` : "";
    return [`${where}${message}`];
  });
}

/** Issues whose path starts with `prefix` (e.g. "config.strategy"), for showing errors beside a field. */
export function issuesUnder(err: unknown, prefix: string): string[] {
  if (!(err instanceof ApiRequestError) || !Array.isArray(err.details)) return [];
  return err.details.flatMap((d: unknown) => {
    if (typeof d !== "object" || d === null) return [];
    const { path, message } = d as { path?: unknown; message?: unknown };
    const p = Array.isArray(path) ? path.join(".") : typeof path === "string" ? path : "";
    return typeof message === "string" && (p === prefix || p.startsWith(`${prefix}.`))
      ? [`${p.slice(prefix.length + 1) || "rules"}: ${message}`]
      : [];
  });
}

export function describeError(err: unknown): { title: string; code?: string; lines: string[] } {
  if (err instanceof ApiRequestError) return { title: err.message, code: err.code, lines: detailLines(err.details) };
  if (err instanceof TypeError) return { title: "Network error: the server could not be reached.", lines: [] };
  return { title: errorMessage(err), lines: [] };
}
