import { describe, expect, it } from "vitest";
import { eyeOf, initialOrbit, MAX_DISTANCE, MIN_DISTANCE, project, rotate, viewProjection, zoom } from "./camera";

describe("orbit camera", () => {
  it("puts the cube's centre in the middle of the canvas and the camera's back out of view", () => {
    const m = viewProjection(initialOrbit(), 2);
    const eye = eyeOf(initialOrbit());
    const positions = Float32Array.from([0, 0, 0, eye[0] * 2, eye[1] * 2, eye[2] * 2]);
    const screen = new Float32Array(4);
    const visible = new Uint8Array(2);
    project(m, positions, 800, 400, screen, visible);
    expect(screen[0]).toBeCloseTo(400, 3);
    expect(screen[1]).toBeCloseTo(200, 3);
    expect(Array.from(visible)).toEqual([1, 0]);
  });

  it("turns with a drag, keeps the elevation off the poles, and zooms within limits", () => {
    const o = initialOrbit();
    expect(rotate(o, 100, 0, 800).azimuth).toBeLessThan(o.azimuth);
    expect(rotate(o, 0, 1e6, 800).elevation).toBeLessThan(Math.PI / 2);
    expect(zoom(o, -1e6).distance).toBe(MIN_DISTANCE);
    expect(zoom(o, 1e6).distance).toBe(MAX_DISTANCE);
    expect(zoom(o, -100).distance).toBeLessThan(o.distance);
  });
});
