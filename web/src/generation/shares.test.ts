import { describe, expect, it } from "vitest";
import { influenceOf, sharePercent, shareValue } from "./shares";

describe("shares", () => {
  it("reads exact fractions and decimals, and nothing else", () => {
    expect(shareValue("3/5")).toBe(0.6);
    expect(shareValue("0.25")).toBe(0.25);
    expect(shareValue("1")).toBe(1);
    for (const bad of ["", "1/0", "-1/2", "1e-3", "abc", "0.5.1"]) expect(shareValue(bad)).toBeNaN();
  });

  it("writes percents, with a decimal below 10 %, and keeps unreadable text as it is", () => {
    expect(sharePercent("67/100")).toBe("67 %");
    expect(sharePercent("0.0123")).toBe("1.2 %");
    expect(sharePercent("0")).toBe("0 %");
    expect(sharePercent("n/a")).toBe("n/a");
  });

  it("sends the slider's percent as an exact influence", () => {
    expect(influenceOf(85)).toBe("85/100");
    expect(influenceOf(55)).toBe("55/100");
  });
});
