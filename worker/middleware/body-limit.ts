import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { errorJson } from "./errors";

/** ONNX uploads (`PUT .../artifact`) get their own cap; every other body is capped by MAX_BODY_BYTES. */
export const ARTIFACT_MAX_BYTES = 20 * 1024 * 1024;
const isArtifactUpload = (path: string) => path.endsWith("/artifact");

export function limitBody(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const maxSize = isArtifactUpload(c.req.path) ? ARTIFACT_MAX_BYTES : Number(c.env.MAX_BODY_BYTES);
    return bodyLimit({
      maxSize,
      onError: (ctx) => errorJson(ctx, 413, "payload_too_large", `request body exceeds ${maxSize} bytes`),
    })(c, next);
  };
}
