import { describe, expect, it } from "vitest";
import { CreateConnectorTokenRequestSchema } from "./connector-tokens";
import { BotNameSchema } from "./models-api";

describe("display names (issue 19)", () => {
  it("normalises to NFC, so a name typed decomposed is stored composed", () => {
    expect(BotNameSchema.parse("  Cafe\u0301 bot ")).toBe("Caf\u00e9 bot");
  });

  it.each([
    ["a lone high surrogate", "bot \uD83D"],
    ["a lone low surrogate", "bot \uDE00 x"],
    ["U+FFFD from invalid UTF-8", "bot \uFFFD"],
    ["a control character", "bot\u0007"],
  ])("refuses %s, with the reason", (_what, name) => {
    const r = BotNameSchema.safeParse(name);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/surrogate|U\+FFFD|control/);
    expect(CreateConnectorTokenRequestSchema.safeParse({ name }).success).toBe(false);
  });

  it("keeps emoji and other well-formed astral characters", () => {
    expect(BotNameSchema.parse("EURUSD \uD83D\uDE80")).toBe("EURUSD \uD83D\uDE80");
  });
});
