import { describe, expect, it } from "vitest";
import type { Answer } from "../api/sieb";
import { allRows, csvCell, toCsv } from "./csv";

const page = (rows: Record<string, unknown>[], next: string | null): Answer => ({
  understood: true, engine: "offline", collection: "inventory", pipeline: [], rows, columns: [], total: 5, next_cursor: next,
});

describe("CSV", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas (hostile cells)", () => {
    expect(csvCell('say "hi", twice')).toBe('"say ""hi"", twice"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell("+49 40 1234")).toBe("'+49 40 1234");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell(-12.5)).toBe("-12.5");  // a negative number stays a number
    expect(csvCell(" padded ")).toBe('" padded "');
    expect(csvCell(null)).toBe("");
  });

  it("writes a header with units, CRLF lines and a byte-order mark; nested fields by path", () => {
    const text = toCsv([{ name: "_id", type: "string" }, { name: "warehouse.city", type: "string" }, { name: "stock_value", type: "decimal", unit: "EUR" }],
      [{ _id: "INV-1", warehouse: { city: "Köln" }, stock_value: { $numberDecimal: "12.50" } }]);
    expect(text).toBe("\ufeff_id,warehouse.city,stock_value (EUR)\r\nINV-1,Köln,12.50\r\n");
  });

  it("fetches every page through the cursor", async () => {
    const pages: Record<string, Answer> = { c1: page([{ i: 3 }, { i: 4 }], "c2"), c2: page([{ i: 5 }], null) };
    const asked: string[] = [];
    const { rows, truncated } = await allRows(page([{ i: 1 }, { i: 2 }], "c1"), async (c) => { asked.push(c); return pages[c]!; });
    expect(rows.map((r) => r.i)).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual(["c1", "c2"]);
    expect(truncated).toBe(false);
  });

  it("stops at its limit and says so; refuses a cursor that repeats (no endless loop)", async () => {
    const loop = async () => page([{ i: 0 }], "same");
    const limited = await allRows(page([{ i: 1 }], "same"), async () => page([{ i: 2 }, { i: 3 }], "more"), 2);
    expect(limited).toEqual({ rows: [{ i: 1 }, { i: 2 }], truncated: true });
    await expect(allRows(page([], "same"), loop)).rejects.toThrow("same page cursor twice");
  });
});
