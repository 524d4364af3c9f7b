import { describe, expect, it } from "vitest";
import { insidePolygon, lassoSelect, nearest, simplifyPath } from "./lasso";

const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];
// a "C": the notch from x 3..10, y 3..7 is outside
const cShape = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 3 }, { x: 3, y: 3 }, { x: 3, y: 7 }, { x: 10, y: 7 }, { x: 10, y: 10 }, { x: 0, y: 10 }];

describe("lasso hit-test", () => {
  it("tells inside from outside, also in a concave lasso", () => {
    expect(insidePolygon(5, 5, square)).toBe(true);
    expect(insidePolygon(11, 5, square)).toBe(false);
    expect(insidePolygon(1, 5, cShape)).toBe(true);
    expect(insidePolygon(6, 5, cShape)).toBe(false);  // in the notch
    expect(insidePolygon(6, 8.5, cShape)).toBe(true);
  });

  it("selects the projected points inside, skipping ones out of view", () => {
    const screen = Float32Array.from([5, 5, 6, 5, 1, 5, 50, 50, 2, 2]);
    const visible = Uint8Array.from([1, 1, 1, 1, 0]);  // the last is behind the camera
    expect(lassoSelect(screen, visible, cShape)).toEqual([2]);
    expect(lassoSelect(screen, visible, square)).toEqual([0, 1, 2]);
    expect(lassoSelect(screen, visible, square.slice(0, 2))).toEqual([]);  // a line selects nothing
  });

  it("finds the nearest visible point within the radius", () => {
    const screen = Float32Array.from([0, 0, 10, 10, 12, 10]);
    expect(nearest(screen, Uint8Array.from([1, 1, 1]), 11.5, 10, 5)).toBe(2);
    expect(nearest(screen, Uint8Array.from([1, 1, 0]), 11.5, 10, 5)).toBe(1);
    expect(nearest(screen, Uint8Array.from([1, 1, 1]), 40, 40, 5)).toBe(-1);
  });

  it("thins a drag's path", () => {
    const path = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 2, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 1 }, { x: 4, y: 8 }];
    expect(simplifyPath(path, 3)).toEqual([{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 8 }]);
  });
});
