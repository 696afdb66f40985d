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

function isApiError(body: unknown): body is ApiError {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const e = (body as { error: unknown }).error;
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" && typeof (e as { message?: unknown }).message === "string";
}

/** Turns any failed response body into an ApiRequestError (non-JSON bodies get a generic code). */
export function toApiRequestError(status: number, body: unknown, fallbackText = ""): ApiRequestError {
  if (isApiError(body)) return new ApiRequestError(status, body.error.code, body.error.message, body.error.details);
  const message = fallbackText.trim().slice(0, 200) || `request failed with HTTP ${status}`;
  return new ApiRequestError(status, status >= 500 ? "internal_error" : "http_error", message);
}

/** Human-readable lines for validation details (zod issues have `path` and `message`). */
export function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) => {
    if (typeof d !== "object" || d === null) return [];
    const { path, message } = d as { path?: unknown; message?: unknown };
    if (typeof message !== "string") return [];
    const where = Array.isArray(path) && path.length ? `${path.join(".")}: ` : "";
    return [`${where}${message}`];
  });
}

export function describeError(err: unknown): { title: string; code?: string; lines: string[] } {
  if (err instanceof ApiRequestError) return { title: err.message, code: err.code, lines: detailLines(err.details) };
  if (err instanceof TypeError) return { title: "Network error: the server could not be reached.", lines: [] };
  return { title: err instanceof Error ? err.message : String(err), lines: [] };
}
