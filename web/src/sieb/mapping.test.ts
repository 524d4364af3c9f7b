import { describe, expect, it } from "vitest";
import type { Points } from "../api/sieb";
import {
  axisTitle, buildCloud, changed, choices, legendOf, mappingOf, PALETTE, place, rangeOf, samplingNote, selectionQuestion,
  SIZE_MAX, SIZE_MIN, sizesOf, tickLabel, valueAt,
} from "./mapping";

function reply(over: Partial<Points["points"]> = {}, rest: Partial<Points> = {}): Points {
  return {
    points: { x: [0, 10, 365], y: [5, 5, 40], z: [0, 99, 9999], color: ["Speakers", "Microphones", "Speakers"],
      size: [0, 0.5, 1], highlight: [true, false, false], row_index: [0, 1, 2], ...over },
    axes: {
      x: { field: "days_of_cover", label: "Days of cover", unit: "days", scale: "linear" },
      y: { field: "lead_time_days", label: "Supplier lead time", unit: "days", scale: "linear" },
      z: { field: "stock_value", label: "Stock value", unit: "EUR", scale: "log" },
    },
    color: { field: "category", categories: ["Microphones", "Speakers"], palette: [] },
    size: { field: "urgency" },
    total: 3, sampled: false, sample_size: 3, ...rest,
  };
}

describe("mapping", () => {
  it("offers numbers for axes and size, categories for colour", () => {
    const c = choices([{ name: "_id", type: "string" }, { name: "on_hand", type: "integer" }, { name: "unit_cost", type: "decimal" },
      { name: "category", type: "string" }, { name: "active", type: "bool" }, { name: "certifications", type: "array" }]);
    expect(c.x).toEqual(["on_hand", "unit_cost"]);
    expect(c.size).toEqual(["on_hand", "unit_cost"]);
    expect(c.color).toEqual(["category", "active"]);
  });

  it("reads the mapping in use and sends only what the user changed", () => {
    const current = mappingOf(reply());
    expect(current).toEqual({ x: "days_of_cover", y: "lead_time_days", z: "stock_value", color: "category", size: "urgency" });
    expect(changed(current, { ...current, x: "on_hand", color: null })).toEqual({ x: "on_hand", color: null });
    expect(changed(current, current)).toEqual({});
  });

  it("names axes with units and the log scale", () => {
    expect(axisTitle({ field: "stock_value", label: "Stock value", unit: "EUR", scale: "log" })).toBe("Stock value (EUR, log scale)");
    expect(axisTitle({ field: "n", label: "", unit: null, scale: "linear" })).toBe("n");
  });

  it("scales an axis into [-1, 1] and back, linear and log(1 + v)", () => {
    const lin = rangeOf([0, 10, 365, NaN], false);
    expect(lin).toEqual({ min: 0, max: 365, log: false });
    expect(place(0, lin)).toBe(-1);
    expect(place(365, lin)).toBe(1);
    expect(valueAt(place(10, lin), lin)).toBeCloseTo(10);
    const log = rangeOf([0, 99, 9999], true);
    expect(place(99, log)).toBeCloseTo(0);  // log10(100) is half of log10(10000)
    expect(valueAt(0, log)).toBeCloseTo(99);
    expect(place(5, rangeOf([5, 5], false))).toBe(0);  // one value: the middle
    expect(place(NaN, lin)).toBe(-1);
    expect(rangeOf([], false)).toEqual({ min: 0, max: 1, log: false });
  });

  it("labels ticks shortly", () => {
    expect([tickLabel(0), tickLabel(0.25), tickLabel(12.4), tickLabel(1234), tickLabel(45678), tickLabel(2.5e6)])
      .toEqual(["0", "0.25", "12", "1.2k", "46k", "2.5M"]);
  });

  it("colours categories from the colour-blind-safe palette, in the API's order, with counts", () => {
    const { legend, category } = legendOf(reply());
    expect(legend).toEqual([{ label: "Microphones", color: PALETTE[0], count: 1 }, { label: "Speakers", color: PALETTE[1], count: 2 }]);
    expect(Array.from(category)).toEqual([1, 0, 1]);
  });

  it("folds categories beyond the palette into grey 'other', keeping the most frequent coloured", () => {
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const colors = names.flatMap((n, i) => Array(i + 1).fill(n) as string[]).concat([null as unknown as string]);
    const { legend, category } = legendOf(reply({ color: colors }, { color: { field: "city", categories: names, palette: [] } }));
    expect(legend).toHaveLength(PALETTE.length);
    expect(legend.slice(0, -1).map((l) => l.label)).toEqual(["c3", "c4", "c5", "c6", "c7", "c8", "c9"]);
    expect(legend.at(-1)).toEqual({ label: "other (3 more)", color: "#999999", count: 1 + 2 + 3 + 1 });
    expect(category[0]).toBe(PALETTE.length - 1);  // c0 is "other"
    expect(category[category.length - 1]).toBe(PALETTE.length - 1);  // no category: "other" too
  });

  it("sizes from zero to the largest value; missing sizes are the smallest", () => {
    expect(Array.from(sizesOf([0, 0.5, 1, null]))).toEqual([SIZE_MIN, (SIZE_MIN + SIZE_MAX) / 2, SIZE_MAX, SIZE_MIN]);
    expect(Array.from(sizesOf([null, null]))).toEqual([6, 6]);
  });

  it("builds the GPU's arrays", () => {
    const cloud = buildCloud(reply());
    expect(cloud.count).toBe(3);
    expect(Array.from(cloud.positions.slice(0, 3))).toEqual([-1, -1, -1]);
    expect(cloud.positions[6]).toBe(1);
    expect(Array.from(cloud.highlight)).toEqual([1, 0, 0]);
    expect(Array.from(cloud.colors.slice(0, 3)).map((v) => Math.round(v * 255))).toEqual([0x56, 0xb4, 0xe9]);
  });

  it("states sampling", () => {
    expect(samplingNote({ total: 180_000, sampled: true, sample_size: 50_000 }))
      .toBe("Showing a sample of 50,000 of 180,000 rows: the cloud draws at most 50,000 points; the table pages through all of them.");
    expect(samplingNote({ total: 1, sampled: false, sample_size: 1 })).toBe("1 row, all drawn.");
  });

  it("asks about a selection naming as many ids as fit the question's limit", () => {
    expect(selectionQuestion("  and their suppliers? ", ["INV-1", "INV-2"]))
      .toEqual({ question: "and their suppliers?: INV-1, INV-2", named: 2, total: 2 });
    const many = Array.from({ length: 100 }, (_, i) => `INV-${String(i).padStart(6, "0")}`);
    const q = selectionQuestion("", many, 500);
    expect(q.question.length).toBeLessThanOrEqual(500);
    expect(q.question.startsWith("show these: INV-000000, INV-000001")).toBe(true);
    expect(q.named).toBe(q.question.split(", ").length);
    expect(q.named).toBeLessThan(100);
  });
});
