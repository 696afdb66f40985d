import { describe, expect, it } from "vitest";
import { mapPages, onePage, pagesOf } from "./pages";

const collect = async <T>(it: AsyncIterable<T[]>) => {
  const out: T[][] = [];
  for await (const p of it) out.push(p);
  return out;
};

describe("pages", () => {
  it("reads after the last row of each full page and stops at the first short page", async () => {
    const rows = Array.from({ length: 7 }, (_, i) => i);
    const calls: (number | undefined)[] = [];
    const pages = pagesOf<number>(3, async (after) => {
      calls.push(after);
      const from = after === undefined ? 0 : after + 1;
      return rows.slice(from, from + 3);
    });
    expect(await collect(mapPages(pages, (n) => n * 10))).toEqual([[0, 10, 20], [30, 40, 50], [60]]);
    expect(calls).toEqual([undefined, 2, 5]);
  });

  it("an exact multiple of the page size ends with one empty read and no empty page", async () => {
    const rows = [1, 2, 3, 4];
    const pages = pagesOf<number>(2, async (after) => rows.filter((r) => r > (after ?? 0)).slice(0, 2));
    expect(await collect(pages)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await collect(onePage([]))).toEqual([[]]);
  });
});
