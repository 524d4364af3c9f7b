import { describe, expect, it } from "vitest";
import { decodeIds } from "./ids";

function packed(numbers: number[]): string {
  const view = new DataView(new ArrayBuffer(numbers.length * 4));
  numbers.forEach((n, i) => view.setInt32(i * 4, n, true));
  let text = "";
  for (const byte of new Uint8Array(view.buffer)) text += String.fromCharCode(byte);
  return btoa(text);
}

describe("decodeIds", () => {
  it("gives every point its id from the packed Int32 array, past the first 20,000", () => {
    const numbers = Array.from({ length: 60_000 }, (_, i) => i * 2 + 1);
    const ids = decodeIds({ column: "_id", prefix: "INV-", width: 6, numbers: packed(numbers), values: null });
    expect(ids.count).toBe(60_000);
    expect(ids.at(0)).toBe("INV-000001");
    expect(ids.at(49_999)).toBe("INV-099999");
    expect(ids.at(59_999)).toBe("INV-119999");
    expect(ids.at(60_000)).toBeNull();
    expect(ids.at(-1)).toBeNull();
  });

  it("reads plain values and an absent list", () => {
    const ids = decodeIds({ column: "warehouse_city", prefix: null, width: null, numbers: null, values: ["Berlin", null] });
    expect([ids.column, ids.at(0), ids.at(1), ids.at(2)]).toEqual(["warehouse_city", "Berlin", null, null]);
    expect(decodeIds(undefined).at(0)).toBeNull();
  });
});
