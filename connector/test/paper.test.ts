import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ConnectorConfigSchema } from "../src/config";
import { Connector } from "../src/connector";
import { silentLogger } from "../src/log";
import { FakeObject, waitFor } from "./helpers/fake-object";

let dir: string;
let obj: FakeObject;
let connector: Connector | undefined;
afterEach(async () => {
  await connector?.stop();
  await obj.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("paper broker: open and close through core/paper, positions survive a connector restart", async () => {
  dir = mkdtempSync(join(tmpdir(), "et-paper-"));
  obj = new FakeObject();
  const port = await obj.start();
  const cfg = ConnectorConfigSchema.parse({
    url: `ws://127.0.0.1:${port}/`,
    token: obj.token,
    broker: "paper",
    journalDir: dir,
    backoffBaseMs: 20,
    retryDelayMs: 50,
  });
  connector = new Connector(cfg, silentLogger);
  await connector.start();
  await waitFor(() => obj.syncs.length > 0, 5000, "sync");
  expect(obj.syncs[0]!.broker).toBe("paper");

  obj.command({
    type: "TRADE_OPEN",
    command_id: "p1",
    client_order_id: "co-p1",
    side: "BUY",
    symbol: "EURUSD",
    volume: 0.1,
    expires_at: Date.now() + 60_000,
  });
  await waitFor(() => obj.results.has("p1"), 5000, "open");
  const opened = obj.results.get("p1")![0]!;
  expect(opened).toMatchObject({ ok: true, volume: 0.1 });
  expect(opened.ticket).toMatch(/^\d+$/);

  await connector.stop();
  const auths = obj.auths;
  connector = new Connector(cfg, silentLogger);
  await connector.start();
  await waitFor(() => obj.auths > auths && obj.connected, 5000, "reconnected");
  obj.send({ type: "GET_POSITIONS", request_id: "g" });
  await waitFor(() => obj.positionsUpdates.some((u) => u.request_id === "g"), 5000, "positions");
  const listed = obj.positionsUpdates.find((u) => u.request_id === "g")!.positions;
  expect(listed).toMatchObject([{ ticket: opened.ticket, client_order_id: "co-p1", manual: false }]);

  obj.command({
    type: "TRADE_CLOSE",
    command_id: "p2",
    client_order_id: "co-p2",
    ticket: opened.ticket!,
    expires_at: Date.now() + 60_000,
  });
  await waitFor(() => obj.results.has("p2"), 5000, "close");
  expect(obj.results.get("p2")![0]).toMatchObject({ ok: true, action: "CLOSE", ticket: opened.ticket });
  expect(await connector.broker.positions()).toEqual([]);
});
