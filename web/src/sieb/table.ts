/**
 * The answer table's logic: reading a cell (dotted paths into nested documents), showing it,
 * comparing two cells for sorting, and a sort over the rows the page holds.
 *
 * Numbers from MongoDB arrive as JSON numbers, Decimal128 as decimal strings or
 * `{"$numberDecimal": "…"}` and dates as ISO strings or `{"$date": …}`: all compare as numbers
 * or instants, never as text ("10" after "9").
 */
import type { Cell, Row, Stage } from "../api/sieb";

export type Direction = "asc" | "desc";
export interface SortKey {
  column: string;
  direction: Direction;
}

/** The value at `name` in a row: the key itself first (`warehouse.city` as a flat key), then the path. */
export function cell(row: Row, name: string): Cell {
  if (name in row) return row[name];
  let value: unknown = row;
  for (const part of name.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Extended JSON wrappers to plain values: `{$numberDecimal}` → string, `{$date}` → ISO string. */
export function plain(value: Cell): Cell {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.$numberDecimal === "string") return v.$numberDecimal;
    if (v.$date !== undefined) {
      const d = v.$date as unknown;
      if (typeof d === "string") return d;
      if (typeof d === "number") return new Date(d).toISOString();
      if (d && typeof d === "object" && "$numberLong" in d) return new Date(Number((d as { $numberLong: string }).$numberLong)).toISOString();
    }
    if (typeof v.$oid === "string") return v.$oid;
  }
  return value;
}

/** A cell as text for the table and the CSV: arrays joined, documents as JSON. */
export function display(value: Cell): string {
  const v = plain(value);
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.map(display).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A cell for the table: like `display`, with fractions rounded to 3 decimals (the CSV keeps them whole). */
export function shown(value: Cell): string {
  const v = plain(value);
  if (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v)) return String(Number(v.toFixed(3)));
  return display(v);
}

const NUMERIC = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A sortable key: number, instant (ms) or lower-cased text; null for empty. */
function sortable(value: Cell): number | string | null {
  const v = plain(value);
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    if (NUMERIC.test(v.trim())) return Number(v);
    if (ISO_DATE.test(v)) return Date.parse(v);
    return v.toLocaleLowerCase();
  }
  return display(v).toLocaleLowerCase();
}

/** Ascending order of two cells; empty cells always last, numbers before text. */
export function compareCells(a: Cell, b: Cell): number {
  const x = sortable(a);
  const y = sortable(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  if (typeof x === "number" && typeof y === "number") return x - y;
  if (typeof x === "number") return -1;
  if (typeof y === "number") return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The rows sorted by one column (stable: equal keys keep their order); empty cells last either way. */
export function sortRows(rows: Row[], key: SortKey | null): Row[] {
  if (!key) return rows;
  const sign = key.direction === "asc" ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((p, q) => {
      const a = cell(p.row, key.column);
      const b = cell(q.row, key.column);
      const empty = (v: Cell) => sortable(v) === null;
      if (empty(a) || empty(b)) return compareCells(a, b) || p.index - q.index;
      return sign * compareCells(a, b) || p.index - q.index;
    })
    .map((p) => p.row);
}

/** Sorting asked for on a column: ascending, then descending, then the result's own order. */
export function nextSort(current: SortKey | null, column: string): SortKey | null {
  if (!current || current.column !== column) return { column, direction: "asc" };
  return current.direction === "asc" ? { column, direction: "desc" } : null;
}

/**
 * The pipeline sorted on the server, for results with more rows than the page holds: a
 * `$sort` on an output field (then `_id`, so pages are stable) at the end, so every page comes
 * in that order. A final sort of that shape is replaced: a last `$sort` decides the order
 * alone, so replacing it is the same as appending after it. `null` removes it again.
 */
export function withServerSort(pipeline: Stage[], key: SortKey | null): Stage[] {
  const base = serverSortOf(pipeline) ? pipeline.slice(0, -1) : pipeline;
  if (!key) return base;
  return [...base, { $sort: { [key.column]: key.direction === "asc" ? 1 : -1, _id: 1 } }];
}

/** The table's own sort, if the pipeline ends with one (`{$sort: {column: ±1, _id: 1}}`). */
export function serverSortOf(pipeline: Stage[]): SortKey | null {
  const last = pipeline[pipeline.length - 1] as { $sort?: Record<string, unknown> } | undefined;
  const keys = last?.$sort && Object.keys(last).length === 1 ? Object.entries(last.$sort) : [];
  if (keys.length !== 2 || keys[1]?.[0] !== "_id" || keys[1][1] !== 1) return null;
  const [column, order] = keys[0]!;
  if (order !== 1 && order !== -1) return null;
  return { column, direction: order === 1 ? "asc" : "desc" };
}
