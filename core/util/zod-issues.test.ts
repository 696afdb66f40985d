import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorMessage } from "./error-message";
import { issueDetails, issueText } from "./zod-issues";

const schema = z.object({ a: z.number(), b: z.object({ c: z.string() }) });
const error = schema.safeParse({ a: "x", b: { c: 1 } }).error as z.ZodError;

describe("zod issue helpers", () => {
  it("details carry the path (with a prefix), message and code of every issue", () => {
    expect(issueDetails(error, ["config"])).toEqual([
      { path: "config.a", message: expect.stringContaining("number"), code: "invalid_type" },
      { path: "config.b.c", message: expect.stringContaining("string"), code: "invalid_type" },
    ]);
  });

  it("text joins path: message pairs; a root name stands in for an empty path", () => {
    expect(issueText(error)).toMatch(/^a: .*number.*; b\.c: .*string/);
    const rootError = z.string().safeParse(1).error as z.ZodError;
    expect(issueText(rootError)).toMatch(/^Invalid input/);
    expect(issueText(rootError, "config")).toMatch(/^config: Invalid input/);
  });

  it("errorMessage reads an Error's message and stringifies anything else", () => {
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(42)).toBe("42");
  });
});
