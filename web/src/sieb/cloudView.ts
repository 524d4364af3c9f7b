/**
 * The point cloud on the GPU: WebGL2, one `gl.POINTS` draw of every point with a custom
 * shader (round points sized per point, the category colour, a white outline for highlighted
 * rows such as stock-outs, a ring for hovered and pinned ones, everything else dimmed while a
 * lasso selection exists), the cube's edges as lines, and HTML labels for the axes.
 *
 * Plain WebGL2 rather than three.js: three's renderer alone is ~134 KB gzipped, more than the
 * app's whole remaining JavaScript budget (docs/web.md, docs/sieb-web.md); this file is ~4 KB.
 * Interaction: drag orbits, the wheel zooms, hover reports the nearest point, a click (no
 * drag) pins it, and in lasso mode (or with Shift held) a drag draws a lasso.
 */
import { initialOrbit, project, rotate, viewProjection, zoom, type Mat4, type Orbit } from "./camera";
import { lassoSelect, nearest, simplifyPath, type Vec2 } from "./lasso";
import type { Cloud } from "./mapping";

const POINT_VS = `#version 300 es
in vec3 a_position; in vec3 a_color; in float a_size; in float a_highlight; in float a_state;
uniform mat4 u_viewProj; uniform float u_scale; uniform float u_dim;
out vec3 v_color; out float v_highlight; out float v_state;
void main() {
  gl_Position = u_viewProj * vec4(a_position, 1.0);
  float grow = a_state > 1.5 ? 1.9 : 1.0;
  gl_PointSize = clamp(a_size * grow * u_scale / gl_Position.w, 2.0, 64.0);
  bool faded = u_dim > 0.5 && a_state < 0.5;
  v_color = faded ? mix(vec3(0.07, 0.08, 0.11), a_color, 0.22) : a_color;
  v_highlight = faded ? 0.0 : a_highlight;
  v_state = a_state;
}`;

const POINT_FS = `#version 300 es
precision mediump float;
in vec3 v_color; in float v_highlight; in float v_state;
out vec4 outColor;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r = dot(c, c);
  if (r > 1.0) discard;
  vec3 color = v_color;
  if (v_highlight > 0.5 && r > 0.42) color = vec3(1.0);
  if (v_state > 1.5 && r > 0.6) color = vec3(0.1, 0.1, 0.12);
  outColor = vec4(color, 1.0);
}`;

const LINE_VS = `#version 300 es
in vec3 a_position; uniform mat4 u_viewProj;
void main() { gl_Position = u_viewProj * vec4(a_position, 1.0); }`;

const LINE_FS = `#version 300 es
precision mediump float; uniform vec4 u_color; out vec4 outColor;
void main() { outColor = u_color; }`;

/** The cube's 12 edges; the three axes from the (-1, -1, -1) corner come first. */
const EDGES = (() => {
  const out: number[] = [];
  const corners = [-1, 1];
  for (const a of corners) for (const b of corners) {
    out.push(-1, a, b, 1, a, b); // along x
    out.push(a, -1, b, a, 1, b); // along y
    out.push(a, b, -1, a, b, 1); // along z
  }
  return new Float32Array(out);
})();
const AXES = new Float32Array([-1, -1, -1, 1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1, -1, -1, -1, 1]);

export interface AxisLabels {
  x: { title: string; min: string; max: string };
  y: { title: string; min: string; max: string };
  z: { title: string; min: string; max: string };
}

export interface CloudEvents {
  /** the nearest point under the pointer (-1: none) and the pointer on the canvas, CSS pixels */
  onHover: (index: number, x: number, y: number) => void;
  onPick: (index: number) => void;
  onLasso: (indices: number[]) => void;
}

/** Each label's anchor in the cube. */
const LABEL_AT: Record<string, [number, number, number]> = {
  "x.title": [1.22, -1, -1], "x.min": [-1, -1.12, -1], "x.max": [1, -1.12, -1],
  "y.title": [-1, 1.2, -1], "y.min": [-1.12, -1, -1], "y.max": [-1.12, 1, -1],
  "z.title": [-1, -1, 1.25], "z.min": [-1, -1.12, -1.08], "z.max": [-1, -1.12, 1],
};

function compile(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const program = gl.createProgram();
  for (const [type, source] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
  return program;
}

export class CloudView {
  readonly gl: WebGL2RenderingContext;
  /** frames drawn (the e2e test reads it to know the cloud is on screen) */
  frames = 0;
  private orbit: Orbit = initialOrbit();
  private matrix: Mat4 = new Float32Array(16);
  private cloud: Cloud | null = null;
  private state = new Float32Array(0);
  private screen = new Float32Array(0);
  private visible = new Uint8Array(0);
  private projected = false;
  private dirty = true;
  private raf = 0;
  private pointProgram: WebGLProgram;
  private lineProgram: WebGLProgram;
  private pointVao: WebGLVertexArrayObject;
  private lineVao: WebGLVertexArrayObject;
  private axisVao: WebGLVertexArrayObject;
  private buffers: Record<string, WebGLBuffer> = {};
  private hasSelection = false;
  private lassoMode = false;
  private drag: { x: number; y: number; moved: boolean; lasso: Vec2[] | null } | null = null;
  private labels = new Map<string, HTMLElement>();
  private lassoPath: SVGPolylineElement;
  private cleanup: (() => void)[] = [];

  constructor(readonly canvas: HTMLCanvasElement, readonly overlay: HTMLElement, private events: CloudEvents) {
    // No MSAA (round points are drawn in the shader; multisampling costs 4× the fill on
    // software GL) and no preserved buffer (a copy per frame); litPixels() reads right after a draw.
    const gl = canvas.getContext("webgl2", { antialias: false, preserveDrawingBuffer: false });
    if (!gl) throw new Error("WebGL2 is not available in this browser");
    this.gl = gl;
    this.pointProgram = compile(gl, POINT_VS, POINT_FS);
    this.lineProgram = compile(gl, LINE_VS, LINE_FS);
    this.pointVao = gl.createVertexArray()!;
    this.lineVao = this.lineArray(EDGES);
    this.axisVao = this.lineArray(AXES);
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "sieb-lasso");
    this.lassoPath = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    svg.append(this.lassoPath);
    overlay.append(svg);
    for (const key of Object.keys(LABEL_AT)) {
      const el = document.createElement("span");
      el.className = key.endsWith("title") ? "sieb-axis-title" : "sieb-axis-tick";
      el.dataset.axis = key;
      overlay.append(el);
      this.labels.set(key, el);
    }
    this.listen();
    const loop = () => {
      this.raf = requestAnimationFrame(loop);
      if (this.dirty) this.draw();
    };
    this.raf = requestAnimationFrame(loop);
  }

  private lineArray(data: Float32Array): WebGLVertexArrayObject {
    const gl = this.gl;
    const vao = gl.createVertexArray()!;
    gl.bindVertexArray(vao);
    const buffer = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    const at = gl.getAttribLocation(this.lineProgram, "a_position");
    gl.enableVertexAttribArray(at);
    gl.vertexAttribPointer(at, 3, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
    return vao;
  }

  private attribute(name: string, data: Float32Array, size: number, usage: number) {
    const gl = this.gl;
    const buffer = this.buffers[name] ?? gl.createBuffer()!;
    this.buffers[name] = buffer;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data, usage);
    const at = gl.getAttribLocation(this.pointProgram, name);
    if (at >= 0) {
      gl.enableVertexAttribArray(at);
      gl.vertexAttribPointer(at, size, gl.FLOAT, false, 0, 0);
    }
  }

  /** New points (a new answer or a new mapping): the camera stays where the user left it. */
  setCloud(cloud: Cloud, labels: AxisLabels) {
    const gl = this.gl;
    this.cloud = cloud;
    this.state = new Float32Array(cloud.count);
    this.screen = new Float32Array(cloud.count * 2);
    this.visible = new Uint8Array(cloud.count);
    this.hasSelection = false;
    gl.bindVertexArray(this.pointVao);
    this.attribute("a_position", cloud.positions, 3, gl.STATIC_DRAW);
    this.attribute("a_color", cloud.colors, 3, gl.STATIC_DRAW);
    this.attribute("a_size", cloud.sizes, 1, gl.STATIC_DRAW);
    this.attribute("a_highlight", cloud.highlight, 1, gl.STATIC_DRAW);
    this.attribute("a_state", this.state, 1, gl.DYNAMIC_DRAW);
    gl.bindVertexArray(null);
    for (const axis of ["x", "y", "z"] as const) {
      for (const part of ["title", "min", "max"] as const) this.labels.get(`${axis}.${part}`)!.textContent = labels[axis][part];
    }
    this.invalidate();
  }

  /** Which points are selected (lasso), pinned and hovered: 1 selected, 2 pinned or hovered. */
  setMarks(selected: readonly number[], pinned: readonly number[], hovered: number) {
    if (!this.cloud) return;
    this.state.fill(0);
    for (const i of selected) if (i < this.state.length) this.state[i] = 1;
    for (const i of pinned) if (i < this.state.length) this.state[i] = 2;
    if (hovered >= 0 && hovered < this.state.length) this.state[hovered] = 2;
    this.hasSelection = selected.length > 0;
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.a_state!);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, this.state);
    this.dirty = true;
  }

  setLassoMode(on: boolean) {
    this.lassoMode = on;
    this.canvas.style.cursor = on ? "crosshair" : "grab";
  }

  /** Turn the view by a drag of (dx, dy) pixels (the benchmark and keyboard use it too). */
  orbitBy(dx: number, dy: number) {
    this.orbit = rotate(this.orbit, dx, dy, this.canvas.clientWidth);
    this.invalidate();
  }

  zoomBy(deltaY: number) {
    this.orbit = zoom(this.orbit, deltaY);
    this.invalidate();
  }

  /** A point's place on the canvas in CSS pixels, or null when out of view (tests use it). */
  screenOf(index: number): Vec2 | null {
    this.ensureProjected();
    return this.visible[index] ? { x: this.screen[2 * index]!, y: this.screen[2 * index + 1]! } : null;
  }

  /** Draw now and count the pixels that are not background (tests: proof the GPU drew points). */
  litPixels(): number {
    this.draw();
    const gl = this.gl;
    const pixels = new Uint8Array(gl.drawingBufferWidth * gl.drawingBufferHeight * 4);
    gl.readPixels(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    let lit = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! + pixels[i + 1]! + pixels[i + 2]! > 200) lit++;
    return lit;
  }

  private invalidate() {
    this.projected = false;
    this.dirty = true;
  }

  private ensureProjected() {
    if (this.projected || !this.cloud) return;
    this.matrix = viewProjection(this.orbit, this.aspect());
    project(this.matrix, this.cloud.positions, this.canvas.clientWidth, this.canvas.clientHeight, this.screen, this.visible);
    this.projected = true;
  }

  private aspect() {
    return this.canvas.clientWidth / Math.max(1, this.canvas.clientHeight);
  }

  private draw() {
    this.dirty = false;
    const gl = this.gl;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(this.canvas.clientWidth * dpr);
    const height = Math.round(this.canvas.clientHeight * dpr);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.projected = false;
    }
    this.matrix = viewProjection(this.orbit, this.aspect());
    gl.viewport(0, 0, width, height);
    gl.clearColor(0.043, 0.051, 0.071, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    gl.useProgram(this.lineProgram);
    gl.uniformMatrix4fv(gl.getUniformLocation(this.lineProgram, "u_viewProj"), false, this.matrix);
    const color = gl.getUniformLocation(this.lineProgram, "u_color");
    gl.uniform4f(color, 0.16, 0.18, 0.25, 1);
    gl.bindVertexArray(this.lineVao);
    gl.drawArrays(gl.LINES, 0, EDGES.length / 3);
    gl.uniform4f(color, 0.55, 0.58, 0.72, 1);
    gl.bindVertexArray(this.axisVao);
    gl.drawArrays(gl.LINES, 0, AXES.length / 3);
    if (this.cloud?.count) {
      gl.useProgram(this.pointProgram);
      gl.uniformMatrix4fv(gl.getUniformLocation(this.pointProgram, "u_viewProj"), false, this.matrix);
      gl.uniform1f(gl.getUniformLocation(this.pointProgram, "u_scale"), dpr * 4.2);
      gl.uniform1f(gl.getUniformLocation(this.pointProgram, "u_dim"), this.hasSelection ? 1 : 0);
      gl.bindVertexArray(this.pointVao);
      gl.drawArrays(gl.POINTS, 0, this.cloud.count);
    }
    gl.bindVertexArray(null);
    this.placeLabels();
    this.frames++;
  }

  private placeLabels() {
    const m = this.matrix;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    for (const [key, [x, y, z]] of Object.entries(LABEL_AT)) {
      const el = this.labels.get(key)!;
      const cw = m[3]! * x + m[7]! * y + m[11]! * z + m[15]!;
      const nx = (m[0]! * x + m[4]! * y + m[8]! * z + m[12]!) / cw;
      const ny = (m[1]! * x + m[5]! * y + m[9]! * z + m[13]!) / cw;
      el.style.transform = `translate(${((nx + 1) / 2) * w}px, ${((1 - ny) / 2) * h}px) translate(-50%, -50%)`;
      el.hidden = cw <= 0;
    }
  }

  private listen() {
    const c = this.canvas;
    const local = (e: PointerEvent | WheelEvent) => {
      const r = c.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      c.addEventListener(type, fn as EventListener, opts);
      this.cleanup.push(() => c.removeEventListener(type, fn as EventListener));
    };
    on("pointerdown", (e) => {
      const p = local(e);
      c.setPointerCapture(e.pointerId);
      this.drag = { ...p, moved: false, lasso: this.lassoMode || e.shiftKey ? [p] : null };
    });
    on("pointermove", (e) => {
      const p = local(e);
      const drag = this.drag;
      if (!drag) {
        this.ensureProjected();
        this.events.onHover(nearest(this.screen, this.visible, p.x, p.y, 10), p.x, p.y);
        return;
      }
      if (Math.hypot(p.x - drag.x, p.y - drag.y) > 3) drag.moved = true;
      if (drag.lasso) {
        drag.lasso.push(p);
        this.lassoPath.setAttribute("points", drag.lasso.map((q) => `${q.x},${q.y}`).join(" "));
      } else if (drag.moved) {
        this.orbitBy(p.x - drag.x, p.y - drag.y);
        drag.x = p.x;
        drag.y = p.y;
      }
    });
    on("pointerup", (e) => {
      const drag = this.drag;
      this.drag = null;
      this.lassoPath.setAttribute("points", "");
      if (!drag) return;
      this.ensureProjected();
      if (drag.lasso && drag.moved) {
        this.events.onLasso(lassoSelect(this.screen, this.visible, simplifyPath(drag.lasso)));
      } else if (!drag.moved) {
        const p = local(e);
        this.events.onPick(nearest(this.screen, this.visible, p.x, p.y, 10));
      }
    });
    on("pointerleave", () => { if (!this.drag) this.events.onHover(-1, 0, 0); });
    on("wheel", (e) => {
      e.preventDefault();
      this.zoomBy(e.deltaY);
    }, { passive: false });
    const resize = new ResizeObserver(() => this.invalidate());
    resize.observe(c);
    this.cleanup.push(() => resize.disconnect());
  }

  dispose() {
    cancelAnimationFrame(this.raf);
    for (const fn of this.cleanup) fn();
    this.overlay.replaceChildren();
    this.gl.getExtension("WEBGL_lose_context")?.loseContext();
  }
}
