import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { errorJson } from "./errors";

/** JSON bodies are capped (MAX_BODY_BYTES); artifact uploads pass their own larger cap. */
export function limitBody(maxBytes?: number): MiddlewareHandler<AppEnv> {
  return (c, next) =>
    bodyLimit({
      maxSize: maxBytes ?? Number(c.env.MAX_BODY_BYTES),
      onError: (ctx) => errorJson(ctx, 413, "payload_too_large", `request body exceeds ${maxBytes ?? c.env.MAX_BODY_BYTES} bytes`),
    })(c, next);
}
