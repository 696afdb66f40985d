import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { TradeResult } from "../../core/protocol/connector";
import type { Instruction } from "./instructions";
import { Journal } from "./journal";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "et-journal-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const instr = (id: string, expires_at = Date.now() + 60_000): Instruction => ({
  kind: "open",
  command_id: id,
  client_order_id: `co-${id}`,
  expires_at,
  source: "TRADE_OPEN",
  side: "BUY",
  symbol: "EURUSD",
  volume: 0.1,
  sl: null,
  tp: null,
});
const result = (id: string): TradeResult => ({
  type: "TRADE_RESULT",
  id: `res:${id}`,
  command_id: id,
  client_order_id: `co-${id}`,
  action: "OPEN",
  ok: true,
  ticket: "42",
  price: 1.1,
  volume: 0.1,
  executed_at: 1,
});

it("survives a reopen: results, in-doubt commands and the unacked outbox come back", () => {
  const j = new Journal({ dir });
  j.recordCommand(instr("a"));
  j.recordResult(result("a"));
  j.recordCommand(instr("b")); // crash before its result
  j.recordCommand(instr("c"));
  j.recordResult(result("c"));
  j.ack(["res:c"]);
  j.close();

  const k = new Journal({ dir });
  expect(k.command("a")?.result?.ticket).toBe("42");
  expect(k.inDoubt().map((c) => c.instruction.command_id)).toEqual(["b"]);
  expect(k.unacked().map((f) => f.id)).toEqual(["res:a"]);
  expect(k.command("c")?.result).toBeDefined(); // acked results are still known (repeat answered)
  k.close();
});

it("skips a torn last line left by a crash mid-write", () => {
  const j = new Journal({ dir });
  j.recordCommand(instr("a"));
  j.close();
  appendFileSync(join(dir, "journal.jsonl"), '{"k":"res","frame":{"type":"TRADE_RES');
  const k = new Journal({ dir });
  expect(k.skippedLines).toBe(1);
  expect(k.inDoubt()).toHaveLength(1);
  k.close();
});

it("a newer POSITIONS_UPDATE supersedes an unacked older one", () => {
  const j = new Journal({ dir });
  const upd = (id: string) => ({
    type: "POSITIONS_UPDATE" as const,
    id,
    reason: "change" as const,
    positions: [],
    at: 1,
  });
  j.enqueue(upd("p1"));
  j.enqueue(upd("p2"));
  expect(j.unacked().map((f) => f.id)).toEqual(["p2"]);
  j.close();
});

it("compaction keeps what matters and drops answered, acked, long-expired commands", () => {
  let now = 1_000_000;
  const j = new Journal({ dir, compactEvery: 1_000_000, retentionMs: 1000, now: () => now });
  j.recordCommand(instr("old", now - 10_000));
  j.recordResult(result("old"));
  j.ack(["res:old"]);
  j.recordCommand(instr("unacked", now - 10_000));
  j.recordResult(result("unacked"));
  j.recordCommand(instr("fresh", now + 60_000));
  j.recordResult(result("fresh"));
  j.ack(["res:fresh"]);
  j.recordCommand(instr("doubt", now - 10_000));
  now += 1;
  j.compact();
  j.close();

  const k = new Journal({ dir });
  expect(k.command("old")).toBeUndefined();
  expect(k.command("unacked")?.result).toBeDefined();
  expect(k.command("fresh")?.result).toBeDefined();
  expect(k.inDoubt().map((c) => c.instruction.command_id)).toEqual(["doubt"]);
  expect(k.unacked().map((f) => f.id)).toEqual(["res:unacked"]);
  expect(readFileSync(join(dir, "journal.jsonl"), "utf8")).not.toContain('"old"');
  k.close();
});

it("one step per change: a failed result and its TRADE_ERROR are one write; superseding is one write", () => {
  const j = new Journal({ dir });
  j.recordCommand(instr("f"));
  const failed: TradeResult = {
    ...result("f"),
    ok: false,
    ticket: undefined,
    price: undefined,
    error: { code: "rejected", message: "no money" },
  };
  j.recordResult(failed, {
    type: "TRADE_ERROR",
    id: "err:f",
    command_id: "f",
    client_order_id: "co-f",
    action: "OPEN",
    error: failed.error!,
    at: 1,
  });
  const upd = (id: string) => ({
    type: "POSITIONS_UPDATE" as const,
    id,
    reason: "change" as const,
    positions: [],
    at: 1,
  });
  j.enqueue(upd("p1"));
  j.enqueue(upd("p2")); // ack p1 + out p2 on one line each, one write
  j.close();
  const lines = readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n");
  expect(lines.map((l) => (JSON.parse(l) as { k: string }).k)).toEqual(["cmd", "res", "out", "out", "ack", "out"]);
  const k = new Journal({ dir });
  expect(k.command("f")?.result?.ok).toBe(false);
  expect(k.unacked().map((f) => f.id)).toEqual(["res:f", "err:f", "p2"]);
  k.close();
});

it("ACKs (written without a sync of their own) are read back after a reopen", () => {
  const j = new Journal({ dir });
  j.recordCommand(instr("a"));
  j.recordResult(result("a"));
  expect(j.ack(["res:a", "res:unknown"])).toBe(1);
  j.close();
  const k = new Journal({ dir });
  expect(k.unacked()).toEqual([]);
  expect(k.command("a")?.result?.ticket).toBe("42");
  k.close();
});
