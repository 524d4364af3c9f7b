import { describe, expect, it } from "vitest";
import type { Answer } from "../api/sieb";
import { PAGE, RowCache } from "./rows";

function fetcher(total: number) {
  const asked: number[] = [];
  const fetchPage = async (offset: number): Promise<Answer> => {
    asked.push(offset);
    const rows = Array.from({ length: Math.max(0, Math.min(PAGE, total - offset)) }, (_, i) => ({ _id: `R${offset + i}` }));
    return { understood: true, engine: "user", collection: "c", pipeline: [], rows, columns: [], total, next_cursor: null };
  };
  return { asked, fetchPage };
}

describe("RowCache", () => {
  it("fetches the page of any row from its offset, not every page before it", async () => {
    const { asked, fetchPage } = fetcher(100_000);
    const cache = new RowCache(fetchPage);
    await cache.ensure([99_999, 45_123]);
    expect(cache.get(99_999)).toEqual({ _id: "R99999" });
    expect(cache.get(45_123)).toEqual({ _id: "R45123" });
    expect(cache.get(0)).toBeUndefined();
    expect(asked.sort((a, b) => a - b)).toEqual([45_000, 99_000]);
  });

  it("asks for a page once however many points want it, and drops the least recently used", async () => {
    const { asked, fetchPage } = fetcher(10_000);
    const cache = new RowCache(fetchPage, 2);
    await Promise.all([cache.ensure([1, 2]), cache.ensure([3])]);
    expect(asked).toEqual([0]);
    await cache.ensure([1_500]);
    await cache.ensure([5]); // page 0 used again: page 1 is now the oldest
    await cache.ensure([2_500]);
    expect(cache.get(5)).toEqual({ _id: "R5" });
    expect(cache.get(1_500)).toBeUndefined();
    expect(asked).toEqual([0, 1_000, 2_000]);
  });
});
