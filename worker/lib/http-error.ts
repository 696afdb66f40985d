import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "../../core/protocol/errors";

/** Thrown anywhere in a request; the error middleware turns it into the error JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not_found", `${what} not found`);
