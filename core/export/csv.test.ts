import { describe, expect, it } from "vitest";
import { z } from "zod";
import { csvCell, csvColumns, csvLine, csvRecord } from "./csv";

describe("csv", () => {
  it("quotes per RFC 4180 only where needed and doubles quotes", () => {
    expect(csvLine(["a", "b,c", 'say "hi"', "two\nlines"])).toBe('a,"b,c","say ""hi""","two\nlines"\r\n');
  });

  it("writes numbers as numbers, empties for null/undefined/non-finite, JSON for objects", () => {
    expect(csvLine([-12.5, 0, null, undefined, Number.NaN, true, { a: 1 }])).toBe('-12.5,0,,,,true,"{""a"":1}"\r\n');
  });

  it("defuses text that a spreadsheet would run as a formula", () => {
    for (const t of ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx"]) expect(csvCell(t).startsWith("'")).toBe(true);
    expect(csvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
    expect(csvCell("EURUSD")).toBe("EURUSD");
  });

  it("columns follow the schema's declared order", () => {
    const s = z.object({ b: z.string(), a: z.number(), c: z.boolean().optional() });
    const cols = csvColumns(s);
    expect(cols).toEqual(["b", "a", "c"]);
    expect(csvRecord(cols, { a: 1, b: "x" })).toBe("x,1,\r\n");
  });
});
