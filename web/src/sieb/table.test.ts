import { describe, expect, it } from "vitest";
import { cell, compareCells, display, nextSort, serverSortOf, shown, sortRows, withServerSort } from "./table";

describe("table cells", () => {
  it("reads flat keys first, then dotted paths into nested documents", () => {
    const row = { "warehouse.city": "flat", warehouse: { city: "Hamburg", code: "HAM" }, n: 0 };
    expect(cell(row, "warehouse.city")).toBe("flat");
    expect(cell({ warehouse: { city: "Hamburg" } }, "warehouse.city")).toBe("Hamburg");
    expect(cell(row, "warehouse.code.deeper")).toBeUndefined();
    expect(cell(row, "n")).toBe(0);
  });

  it("shows Extended JSON, arrays and documents readably", () => {
    expect(display({ $numberDecimal: "89.72" })).toBe("89.72");
    expect(display({ $date: "2024-05-01T00:00:00Z" })).toBe("2024-05-01T00:00:00Z");
    expect(display({ $date: { $numberLong: "0" } })).toBe("1970-01-01T00:00:00.000Z");
    expect(display(["ISO9001", "CE"])).toBe("ISO9001, CE");
    expect(display({ code: "HAM" })).toBe('{"code":"HAM"}');
    expect(display(null)).toBe("");
    expect(display(false)).toBe("false");
  });

  it("rounds fractions to 3 decimals in the table, not in the export", () => {
    expect(shown(16.129032258064516)).toBe("16.129");
    expect(display(16.129032258064516)).toBe("16.129032258064516");
    expect(shown(1345.8)).toBe("1345.8");
    expect(shown(42)).toBe("42");
    expect(shown("16.129032258064516")).toBe("16.129032258064516");  // text stays text
  });
});

describe("sorting", () => {
  it("compares decimal strings as numbers and ISO dates as instants, not as text", () => {
    expect(compareCells("10.5", "9")).toBeGreaterThan(0);
    expect(compareCells({ $numberDecimal: "100" }, 99.5)).toBeGreaterThan(0);
    expect(compareCells("2024-02-01T00:00:00Z", "2023-12-31")).toBeGreaterThan(0);
    expect(compareCells("apple", "Banana")).toBeLessThan(0);
    expect(compareCells(3, "text")).toBeLessThan(0);
  });

  it("sorts both ways, stably, with empty cells last either way", () => {
    const rows = [{ id: "a", v: 2 }, { id: "b", v: null }, { id: "c", v: 1 }, { id: "d", v: 2 }, { id: "e" }];
    expect(sortRows(rows, { column: "v", direction: "asc" }).map((r) => r.id)).toEqual(["c", "a", "d", "b", "e"]);
    expect(sortRows(rows, { column: "v", direction: "desc" }).map((r) => r.id)).toEqual(["a", "d", "c", "b", "e"]);
    expect(sortRows(rows, null)).toBe(rows);
  });

  it("cycles a column ascending, descending, off", () => {
    const a = nextSort(null, "v");
    expect(a).toEqual({ column: "v", direction: "asc" });
    const d = nextSort(a, "v");
    expect(d).toEqual({ column: "v", direction: "desc" });
    expect(nextSort(d, "v")).toBeNull();
    expect(nextSort(d, "w")).toEqual({ column: "w", direction: "asc" });
  });

  it("sorts on the server by appending (then replacing, then removing) one final $sort", () => {
    const base = [{ $match: { on_hand: 0 } }, { $limit: 10 }];
    const asc = withServerSort(base, { column: "stock_value", direction: "asc" });
    expect(asc).toEqual([...base, { $sort: { stock_value: 1, _id: 1 } }]);
    expect(serverSortOf(asc)).toEqual({ column: "stock_value", direction: "asc" });
    const desc = withServerSort(asc, { column: "sku", direction: "desc" });
    expect(desc).toEqual([...base, { $sort: { sku: -1, _id: 1 } }]);
    expect(withServerSort(desc, null)).toEqual(base);
    // the pipeline's own sort (not of the table's shape) stays
    const own = [{ $sort: { stock_value: -1 } }];
    expect(serverSortOf(own)).toBeNull();
    expect(withServerSort(own, null)).toEqual(own);
  });
});
