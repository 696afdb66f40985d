import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { errorJson } from "./errors";

/** ONNX uploads (`PUT .../artifact`) get their own cap; every other body is capped by MAX_BODY_BYTES. */
export const ARTIFACT_MAX_BYTES = 20 * 1024 * 1024;
const isArtifactUpload = (path: string) => path.endsWith("/artifact");

/**
 * Body cap. Like hono's bodyLimit (Content-Length checked up front, chunked bodies counted while
 * read, then handed on as bytes), but a refused body is cancelled, not left half-read: workerd
 * otherwise kept the request's stream open after the 413 and the next request on that runtime was
 * answered 503 "worker restarted mid-request". The 413 also closes the connection, so a client
 * still sending the rest of the body does not have it read as the next request.
 */
export function limitBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const maxSize = isArtifactUpload(c.req.path) ? ARTIFACT_MAX_BYTES : Number(c.env.MAX_BODY_BYTES);
    const declared = c.req.raw.headers.has("transfer-encoding") ? null : c.req.raw.headers.get("content-length");
    if (declared !== null) {
      if (Number(declared) > maxSize) return refuse(c, maxSize, body.cancel());
      return next();
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) return refuse(c, maxSize, drain(reader));
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}

/**
 * Reads the refused rest of a chunked body and throws it away. Cancelling the stream instead left
 * wrangler dev's runtime stuck: the next request hung for minutes, then got 503 "worker restarted
 * mid-request" (test/e2e/body-limit.test.ts). Cloudflare caps a request body at 100 MB on the Free
 * and Pro plans, so the drain is bounded; past DRAIN_MAX_BYTES the stream is cancelled after all.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let drained = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    drained += value.byteLength;
    if (drained > DRAIN_MAX_BYTES) return reader.cancel();
  }
}
const DRAIN_MAX_BYTES = 100 * 1024 * 1024;

async function refuse(c: Context<AppEnv>, maxSize: number, cancelled: Promise<void>) {
  await cancelled.catch(() => undefined);
  return errorJson(c, 413, "payload_too_large", `request body exceeds ${maxSize} bytes`, undefined, {
    Connection: "close",
  });
}
