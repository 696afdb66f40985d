import { describe, expect, it } from "vitest";
import { ConnectorToObjectFrameSchema, ObjectToConnectorFrameSchema, parseConnectorFrame } from "./connector";

const base = { command_id: "c1", client_order_id: "co1", expires_at: 2_000_000_000_000 };

describe("connector frames", () => {
  it("TRADE_COMMAND accepts lot_size and normalises it to volume", () => {
    const r = parseConnectorFrame(
      JSON.stringify({ type: "TRADE_COMMAND", ...base, action: "BUY", symbol: "EURUSD", lot_size: 0.3 }),
    );
    expect(r.ok && r.frame).toMatchObject({ type: "TRADE_COMMAND", volume: 0.3 });
    expect(r.ok && "lot_size" in r.frame).toBe(false);
  });

  it("refuses volume and lot_size that disagree, missing volume on opens, and missing tickets", () => {
    for (const f of [
      { type: "TRADE_OPEN", ...base, side: "BUY", symbol: "EURUSD", volume: 0.1, lot_size: 0.2 },
      { type: "TRADE_COMMAND", ...base, action: "OPEN", side: "BUY", symbol: "EURUSD" },
      { type: "TRADE_COMMAND", ...base, action: "OPEN", symbol: "EURUSD", volume: 1 },
      { type: "TRADE_COMMAND", ...base, action: "CLOSE" },
      { type: "TRADE_COMMAND", ...base, action: "MODIFY", ticket: "1" },
      { type: "TRADE_OPEN", ...base, side: "BUY", symbol: "EURUSD", volume: 0.1, sl: 1.2, tp: 1.1 },
      { type: "UPDATE_SL", ...base, ticket: "12a", sl: 1 },
    ]) {
      const r = parseConnectorFrame(JSON.stringify(f));
      expect(r.ok, JSON.stringify(f)).toBe(false);
    }
  });

  it("reports the offending type and id, and refuses non-JSON and unknown types", () => {
    const bad = parseConnectorFrame(JSON.stringify({ type: "TRADE_CLOSE", ...base }));
    expect(bad).toMatchObject({ ok: false, error: { code: "bad_frame", ref_type: "TRADE_CLOSE", ref_id: "c1" } });
    expect(parseConnectorFrame("{")).toMatchObject({ ok: false, error: { code: "bad_frame" } });
    expect(parseConnectorFrame(JSON.stringify({ type: "HELLO" }))).toMatchObject({ ok: false });
  });

  it("numeric tickets become strings; MOVE_BREAKEVEN defaults its offset", () => {
    const r = parseConnectorFrame(JSON.stringify({ type: "MOVE_BREAKEVEN", ...base, ticket: 123456789 }));
    expect(r.ok && r.frame).toMatchObject({ ticket: "123456789", offset: 0 });
  });

  it("direction unions keep each side's frames apart", () => {
    const result = {
      type: "TRADE_RESULT",
      id: "res:c1",
      ...base,
      action: "OPEN",
      ok: true,
      ticket: "1",
      executed_at: 1,
    };
    expect(parseConnectorFrame(JSON.stringify(result), ConnectorToObjectFrameSchema).ok).toBe(true);
    expect(parseConnectorFrame(JSON.stringify(result), ObjectToConnectorFrameSchema).ok).toBe(false);
    expect(parseConnectorFrame(JSON.stringify({ type: "ACK", ids: ["res:c1"] }), ObjectToConnectorFrameSchema).ok).toBe(
      true,
    );
    expect(parseConnectorFrame(JSON.stringify({ type: "PING", ts: 1 }), ConnectorToObjectFrameSchema).ok).toBe(true);
  });
});
