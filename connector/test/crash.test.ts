import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { magicFor } from "../src/client-id";
import { buildBundle } from "./helpers/child-connector";
import { waitFor } from "./helpers/fake-object";
import { mt5Rig } from "./helpers/mt5-rig";

/**
 * The connector process is SIGKILLed after the order reached the broker and before it could
 * journal or report the result. After a restart it must find the order by client id (not send
 * it again) and deliver the result.
 */
let dir: string;
let bundle: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "et-crash-"));
  bundle = buildBundle(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a connector killed between sending an order and reporting it sends no duplicate and delivers the result after restart", async () => {
  const rig = await mt5Rig(bundle, dir, { requestTimeoutMs: 5000, reconnectMs: 50 });
  const { obj, child, sim } = rig;
  try {
    child.start();
    sim.start();
    await waitFor(() => obj.connected && sim.connected, 10_000, "connector process and terminal up");

    const hold = sim.hold("open");
    const command = {
      type: "TRADE_COMMAND" as const,
      command_id: "crash-1",
      client_order_id: "co-crash-1",
      action: "BUY",
      symbol: "EURUSD",
      volume: 0.5,
      expires_at: Date.now() + 60_000,
    };
    obj.command(command);
    await hold.arrived; // the terminal has executed the order; its answer is held back
    await child.kill();
    hold.release(); // the answer goes to a dead socket

    const journal = readFileSync(join(dir, "journal", "journal.jsonl"), "utf8");
    expect(journal).toContain('"k":"cmd"');
    expect(journal).toContain("crash-1");
    expect(journal).not.toContain('"k":"res"'); // it died before knowing the outcome
    expect(obj.results.has("crash-1")).toBe(false);

    child.start();
    await waitFor(() => obj.results.has("crash-1"), 10_000, "result after restart");
    const result = obj.results.get("crash-1")![0]!;
    const positions = [...sim.positions.values()];
    expect(positions).toHaveLength(1);
    expect(result).toMatchObject({ ok: true, recovered: true, ticket: positions[0]!.ticket, volume: 0.5 });
    expect(sim.stats.requests.open).toBe(1);
    expect(sim.entriesByMagic().get(magicFor("co-crash-1"))).toBe(1);
    expect(obj.invalid).toEqual([]);
  } finally {
    await rig.stop();
  }
});
