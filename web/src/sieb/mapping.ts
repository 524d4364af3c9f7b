/**
 * From the API's point reply to what the GPU draws (docs/sieb-web.md, VISUALIZATION.md): each
 * axis scaled into the cube [-1, 1] (linear, or log(1 + v) where the axis says "log"), colour
 * from a colour-blind-safe palette per category, size in pixels from the size channel, and the
 * highlight flag (stock-outs) as an outline. Also the fields a user may choose per channel and
 * the follow-up question about a lasso selection.
 */
import type { Axis, Column, Mapping, Points } from "../api/sieb";

/** Okabe & Ito's palette (distinguishable with the common colour-vision deficiencies); grey last, for "other". */
export const PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"];
export const OTHER = "other";
const OTHER_GREY = "#999999";
/** Point sizes in CSS pixels at the default zoom. */
export const SIZE_MIN = 3;
export const SIZE_MAX = 16;
export const SIZE_DEFAULT = 6;
/** The API samples the cloud above this many rows (VISUALIZATION.md). */
export const CLOUD_LIMIT = 50_000;

const NUMERIC_TYPES = new Set(["number", "int", "integer", "long", "double", "float", "decimal", "decimal128", "date", "datetime"]);
const CATEGORY_TYPES = new Set(["string", "str", "bool", "boolean", "category", "objectid"]);

export const isNumeric = (c: Column) => NUMERIC_TYPES.has(c.type.toLowerCase());
export const isCategory = (c: Column) => CATEGORY_TYPES.has(c.type.toLowerCase());

/** The fields a user may put on each channel: numbers on the axes and size, categories as colour. */
export function choices(columns: Column[]) {
  const numeric = columns.filter(isNumeric).map((c) => c.name);
  const categories = columns.filter(isCategory).filter((c) => c.name !== "_id").map((c) => c.name);
  return { x: numeric, y: numeric, z: numeric, size: numeric, color: categories };
}

/** The mapping a point reply shows, as the editable choice. */
export function mappingOf(points: Pick<Points, "axes" | "color" | "size">): Mapping {
  return {
    x: points.axes.x.field, y: points.axes.y.field, z: points.axes.z.field,
    color: points.color.field, size: points.size.field,
  };
}

/** What a user changed against the mapping in use: only those channels go to the API. */
export function changed(current: Mapping, edited: Mapping): Partial<Mapping> {
  const out: Partial<Mapping> = {};
  for (const key of ["x", "y", "z", "color", "size"] as const) {
    if (edited[key] !== current[key]) out[key] = edited[key];
  }
  return out;
}

/** "Days of cover (days, log scale)". */
export function axisTitle(axis: Axis): string {
  const label = axis.label || axis.field || "—";
  const notes = [axis.unit, axis.scale === "log" ? "log scale" : null].filter(Boolean);
  return notes.length ? `${label} (${notes.join(", ")})` : label;
}

export interface Range {
  min: number;
  max: number;
  log: boolean;
}

const warp = (v: number, log: boolean) => (log ? Math.log10(1 + Math.max(0, v)) : v);

/** The data range of one axis (non-finite values ignored). */
export function rangeOf(values: readonly number[], log: boolean): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const w = warp(v, log);
    if (w < min) min = w;
    if (w > max) max = w;
  }
  if (min === Infinity) return { min: 0, max: 1, log };
  return { min, max, log };
}

/** A value's place on the axis, in [-1, 1] (the middle when the axis has one value; missing → -1). */
export function place(v: number, range: Range): number {
  if (!Number.isFinite(v)) return -1;
  const span = range.max - range.min;
  return span > 0 ? ((warp(v, range.log) - range.min) / span) * 2 - 1 : 0;
}

/** The data value at a place on the axis (for tick labels): the inverse of `place`. */
export function valueAt(t: number, range: Range): number {
  const w = range.min + ((t + 1) / 2) * (range.max - range.min);
  return range.log ? 10 ** w - 1 : w;
}

/** A short tick label: 12.3k, 4.5M, 0.25. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10 || v === 0) return String(Math.round(v));
  return v.toFixed(2).replace(/\.?0+$/, "");
}

export interface LegendEntry {
  label: string;
  color: string;
  count: number;
}

export interface Cloud {
  count: number;
  /** x, y, z per point in [-1, 1] */
  positions: Float32Array;
  /** r, g, b per point in [0, 1] */
  colors: Float32Array;
  /** CSS pixels */
  sizes: Float32Array;
  /** 1 where the point is highlighted (stock-out) */
  highlight: Float32Array;
  ranges: { x: Range; y: Range; z: Range };
  legend: LegendEntry[];
  /** the category index per point into `legend` */
  category: Int32Array;
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  const n = m ? parseInt(m[1]!, 16) : 0x999999;
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/**
 * The legend: the API's categories in its order, each with a palette colour. With more
 * categories than colours, the most frequent keep a colour and the rest share grey "other".
 */
export function legendOf(points: Points): { legend: LegendEntry[]; category: Int32Array } {
  const { color } = points;
  const raw = points.points.color;
  const names = color.categories.length ? [...color.categories] : [...new Set(raw.filter((c): c is string => typeof c === "string"))];
  const index = new Map(names.map((n, i) => [n, i]));
  const perPoint = raw.map((c) => (typeof c === "number" ? c : typeof c === "string" ? index.get(c) ?? -1 : -1));
  const counts = names.map(() => 0);
  for (const c of perPoint) if (c >= 0 && c < counts.length) counts[c]!++;
  // the API's palette (Okabe-Ito too), with its black drawn grey: black vanishes on the dark canvas
  const palette = (color.palette?.length ? color.palette : PALETTE).map((c) => (/^#0{6}$/.test(c) ? OTHER_GREY : c));
  const colored = Math.min(names.length, palette.length - (names.length > palette.length ? 1 : 0));
  const byFrequency = names.map((_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const kept = new Set(byFrequency.slice(0, colored));
  const slot = new Map<number, number>();
  const legend: LegendEntry[] = [];
  names.forEach((name, i) => {
    if (!kept.has(i)) return;
    slot.set(i, legend.length);
    legend.push({ label: name, color: palette[legend.length % palette.length]!, count: counts[i]! });
  });
  const rest = names.map((_, i) => i).filter((i) => !kept.has(i));
  const missing = perPoint.filter((c) => c < 0 || c >= names.length).length;
  if (rest.length || missing) {
    const otherSlot = legend.length;
    legend.push({ label: rest.length ? `${OTHER} (${rest.length} more)` : "none", color: PALETTE[PALETTE.length - 1]!,
      count: rest.reduce((s, i) => s + counts[i]!, 0) + missing });
    for (const i of rest) slot.set(i, otherSlot);
    slot.set(-1, otherSlot);
  }
  const category = Int32Array.from(perPoint, (c) => slot.get(c) ?? slot.get(-1) ?? 0);
  return { legend, category };
}

/** Sizes in pixels: the size channel scaled between SIZE_MIN and SIZE_MAX (linear over its range). */
export function sizesOf(values: readonly (number | null)[]): Float32Array {
  const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (!finite.length) return new Float32Array(values.length).fill(SIZE_DEFAULT);
  // from zero, so a size stays proportional to its measure (urgency 0..1, counts, sums)
  const min = Math.min(0, finite.reduce((a, b) => Math.min(a, b), Infinity));
  const max = finite.reduce((a, b) => Math.max(a, b), -Infinity);
  const span = max - min;
  return Float32Array.from(values, (v) => (typeof v === "number" && Number.isFinite(v)
    ? (span > 0 ? SIZE_MIN + ((v - min) / span) * (SIZE_MAX - SIZE_MIN) : SIZE_DEFAULT)
    : SIZE_MIN));
}

/** Everything the cloud draws, from the API's point reply. */
export function buildCloud(points: Points): Cloud {
  const { x, y, z, size, highlight } = points.points;
  const count = Math.min(x.length, y.length, z.length);
  const ranges = {
    x: rangeOf(x, points.axes.x.scale === "log"),
    y: rangeOf(y, points.axes.y.scale === "log"),
    z: rangeOf(z, points.axes.z.scale === "log"),
  };
  const positions = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    positions[3 * i] = place(x[i]!, ranges.x);
    positions[3 * i + 1] = place(y[i]!, ranges.y);
    positions[3 * i + 2] = place(z[i]!, ranges.z);
  }
  const { legend, category } = legendOf(points);
  const rgb = legend.map((l) => hexToRgb(l.color));
  const colors = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) colors.set(rgb[category[i]!] ?? [0.6, 0.6, 0.6], 3 * i);
  return {
    count, positions, colors, ranges, legend, category: category.slice(0, count),
    sizes: sizesOf(size.slice(0, count).concat(Array(Math.max(0, count - size.length)).fill(null))),
    highlight: Float32Array.from({ length: count }, (_, i) => (highlight[i] ? 1 : 0)),
  };
}

/** "Showing 50,000 of 180,000 rows (a sample)" or "180 rows". */
export function samplingNote(points: Pick<Points, "total" | "sampled" | "sample_size">): string {
  const total = points.total.toLocaleString("en");
  return points.sampled
    ? `Showing a sample of ${points.sample_size.toLocaleString("en")} of ${total} rows: the cloud draws at most ${CLOUD_LIMIT.toLocaleString("en")} points; the table pages through all of them.`
    : `${total} ${points.total === 1 ? "row" : "rows"}, all drawn.`;
}

/** The API's limit on a question's length (functions/api/sieb.py, AskRequest). */
export const QUESTION_MAX = 500;

/**
 * The follow-up about a lasso selection: the planner's words, then the selected ids, as many
 * as fit the question's length limit. Says how many it named.
 */
export function selectionQuestion(words: string, ids: readonly (string | number)[], maxLength = QUESTION_MAX) {
  const text = (words.trim() || "show these").slice(0, 200);
  const named: string[] = [];
  let question = text;
  for (const id of ids) {
    const next = `${text}: ${[...named, String(id)].join(", ")}`;
    if (next.length > maxLength) break;
    named.push(String(id));
    question = next;
  }
  return { question, named: named.length, total: ids.length };
}
