/**
 * The cloud's camera: an orbit around the cube's centre (azimuth, elevation, distance) and
 * the 4×4 matrices WebGL needs (column-major, like GLSL). Pure math, tested without a GPU.
 */

export type Mat4 = Float32Array;

export function perspective(fovY: number, aspect: number, near: number, far: number): Mat4 {
  const f = 1 / Math.tan(fovY / 2);
  const nf = 1 / (near - far);
  return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0]);
}

export function lookAt(eye: readonly number[], target: readonly number[], up: readonly number[]): Mat4 {
  let zx = eye[0]! - target[0]!, zy = eye[1]! - target[1]!, zz = eye[2]! - target[2]!;
  let len = Math.hypot(zx, zy, zz) || 1;
  zx /= len; zy /= len; zz /= len;
  let xx = up[1]! * zz - up[2]! * zy, xy = up[2]! * zx - up[0]! * zz, xz = up[0]! * zy - up[1]! * zx;
  len = Math.hypot(xx, xy, xz) || 1;
  xx /= len; xy /= len; xz /= len;
  const yx = zy * xz - zz * xy, yy = zz * xx - zx * xz, yz = zx * xy - zy * xx;
  const dot = (ax: number, ay: number, az: number) => ax * eye[0]! + ay * eye[1]! + az * eye[2]!;
  return new Float32Array([xx, yx, zx, 0, xy, yy, zy, 0, xz, yz, zz, 0, -dot(xx, xy, xz), -dot(yx, yy, yz), -dot(zx, zy, zz), 1]);
}

export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float32Array(16);
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[k * 4 + row]! * b[col * 4 + k]!;
      out[col * 4 + row] = sum;
    }
  }
  return out;
}

export interface Orbit {
  /** around the vertical axis, radians */
  azimuth: number;
  /** above the horizontal plane, radians, kept inside ±85° */
  elevation: number;
  distance: number;
}

export const MIN_DISTANCE = 1.2;
export const MAX_DISTANCE = 12;
const MAX_ELEVATION = (85 * Math.PI) / 180;

export const initialOrbit = (): Orbit => ({ azimuth: Math.PI / 4, elevation: Math.PI / 7, distance: 4.2 });

/** A drag of (dx, dy) pixels turns the view; a full width is about one turn. */
export function rotate(orbit: Orbit, dx: number, dy: number, width: number): Orbit {
  const perPixel = (2 * Math.PI) / Math.max(200, width);
  return {
    ...orbit,
    azimuth: orbit.azimuth - dx * perPixel,
    elevation: Math.max(-MAX_ELEVATION, Math.min(MAX_ELEVATION, orbit.elevation + dy * perPixel)),
  };
}

/** A wheel step zooms in (negative delta) or out, exponentially, within limits. */
export function zoom(orbit: Orbit, deltaY: number): Orbit {
  const distance = orbit.distance * Math.exp(deltaY * 0.0015);
  return { ...orbit, distance: Math.max(MIN_DISTANCE, Math.min(MAX_DISTANCE, distance)) };
}

export function eyeOf(orbit: Orbit): [number, number, number] {
  const c = Math.cos(orbit.elevation);
  return [orbit.distance * c * Math.sin(orbit.azimuth), orbit.distance * Math.sin(orbit.elevation),
    orbit.distance * c * Math.cos(orbit.azimuth)];
}

/** Projection × view for the orbit and the canvas's aspect ratio. */
export function viewProjection(orbit: Orbit, aspect: number): Mat4 {
  return multiply(perspective(Math.PI / 4, aspect, 0.05, 50), lookAt(eyeOf(orbit), [0, 0, 0], [0, 1, 0]));
}

/**
 * Each point's place on screen in CSS pixels (x, y pairs) and whether it is in view
 * (in front of the camera and inside the canvas).
 */
export function project(m: Mat4, positions: Float32Array, width: number, height: number,
  screen: Float32Array, visible: Uint8Array): void {
  const n = visible.length;
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i]!, y = positions[3 * i + 1]!, z = positions[3 * i + 2]!;
    const w = m[3]! * x + m[7]! * y + m[11]! * z + m[15]!;
    if (w <= 1e-6) {
      visible[i] = 0;
      continue;
    }
    const nx = (m[0]! * x + m[4]! * y + m[8]! * z + m[12]!) / w;
    const ny = (m[1]! * x + m[5]! * y + m[9]! * z + m[13]!) / w;
    screen[2 * i] = ((nx + 1) / 2) * width;
    screen[2 * i + 1] = ((1 - ny) / 2) * height;
    visible[i] = nx >= -1 && nx <= 1 && ny >= -1 && ny <= 1 ? 1 : 0;
  }
}
