// Production sockets carry no permessage-deflate: wrangler.toml sets `no_web_socket_compression`
// (docs/PERFORMANCE.md has the fan-out time and memory it saves). This runs workerd itself with
// wrangler.toml's compatibility date and flags, serving a WebSocket straight from the Worker as the
// edge does (wrangler dev puts miniflare's entry worker in front, which negotiates deflate on its
// own), and checks that a browser-like deflate offer is refused; without the flag it is accepted,
// so the test also shows the flag is what decides.

import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import WebSocket from "ws";
import { freePort } from "./platform";

const config = unstable_readConfig({ config: fileURLToPath(new URL("../../wrangler.toml", import.meta.url)) });
const SCRIPT = `export default { fetch() { const [client, server] = Object.values(new WebSocketPair()); server.accept(); server.send("hello"); return new Response(null, { status: 101, webSocket: client }); } }`;

async function negotiated(flags: string[]): Promise<{ extensions: string; first: string }> {
  const port = await freePort();
  const mf = new Miniflare({
    modules: true,
    script: SCRIPT,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: flags,
    unsafeDirectSockets: [{ host: "127.0.0.1", port }],
  });
  try {
    await mf.ready;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true }); // offered, as browsers do
    const first = await new Promise<string>((resolve, reject) => {
      ws.once("message", (d) => resolve(String(d)));
      ws.once("error", reject);
    });
    const extensions = ws.extensions;
    ws.close();
    return { extensions, first };
  } finally {
    await mf.dispose();
  }
}

describe("socket compression", () => {
  it("wrangler.toml turns permessage-deflate off, and workerd then refuses a browser's offer", async () => {
    const flags = config.compatibility_flags ?? [];
    expect(flags).toContain("no_web_socket_compression");
    expect(await negotiated(flags)).toEqual({ extensions: "", first: "hello" });
    const without = flags.filter((f: string) => f !== "no_web_socket_compression");
    expect((await negotiated(without)).extensions).toContain("permessage-deflate");
  });
});
