// Issue 19: a chunked upload (no Content-Length) over the cap was refused with 413, and the next
// request on the runtime got 503 "worker restarted mid-request" (2 of 2 times). Against wrangler
// dev, as it was found: both caps (20 MiB artifact, MAX_BODY_BYTES JSON), twice each.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, type Platform, startPlatform } from "./platform";

let platform: Platform;
let api: Api;

beforeAll(async () => {
  platform = await startPlatform("body-limit");
  api = new Api(platform.url);
  await api.register();
});
afterAll(() => platform?.stop());

/** Streams `total` bytes chunked (no Content-Length); resolves with the status the server answers. */
function chunkedUpload(path: string, total: number, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, platform.url);
    const req = request(url, {
      method: "PUT",
      headers: { Authorization: `Bearer ${api.token}`, "Content-Type": contentType, "Transfer-Encoding": "chunked" },
    });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    // Once refused, the server may close while we still write: that is not a failure of the test.
    req.on("error", (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(256 * 1024, 0x41);
    let sent = 0;
    const pump = () => {
      while (sent < total && !answered) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

async function refusedThenHealthy(path: string, size: number, type: string): Promise<void> {
  for (let round = 0; round < 2; round++) {
    expect(await chunkedUpload(path, size, type)).toBe(413);
    const me = await api.call("GET", "/me");
    expect(me.status).toBe(200);
    const models = await api.call("GET", "/ml/models");
    expect(models.status).toBe(200);
  }
}

describe("a refused chunked body leaves the runtime healthy", () => {
  it("a 1 MiB JSON body: 413, then the next requests answer normally (twice)", async () => {
    await refusedThenHealthy("/api/v1/ml/models/no-such-bot", 1024 * 1024, "application/json");
  });

  it("a 21 MiB ONNX artifact: 413, then the next requests answer normally (twice)", async () => {
    await refusedThenHealthy(
      "/api/v1/ml/models/no-such-bot/artifact?timeframe=1h",
      21 * 1024 * 1024,
      "application/octet-stream",
    );
  });
});
