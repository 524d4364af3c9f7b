/**
 * The Sieb routes (`/api/sieb/*`, functions/api/sieb.py): a planner's question becomes a
 * validated MongoDB aggregation pipeline; the answer is a table (paged by an opaque cursor)
 * and, for rows that are points, a 3-D point cloud. docs/sieb.md describes the backend,
 * docs/sieb-web.md these pages.
 */
import { api, unwrap } from "./client";
import type { components } from "./schema";
import type { PointIds } from "../sieb/ids";

export type Cell = unknown;
export type Row = Record<string, Cell>;
export type Stage = Record<string, unknown>;

export interface Column {
  name: string;
  /** "number" | "integer" | "decimal" | "string" | "date" | "bool" | "array" | "object" | ... */
  type: string;
  unit?: string | null;
}

/** Which result field each visual channel shows; null leaves the channel at its default. */
export interface Mapping {
  x: string | null;
  y: string | null;
  z: string | null;
  color: string | null;
  size: string | null;
}

export interface Answer {
  conversation_id?: string | null;
  understood: boolean;
  engine: string;
  collection: string | null;
  pipeline: Stage[];
  rows: Row[];
  columns: Column[];
  total: number;
  next_cursor: string | null;
  mapping?: unknown;
  timing_ms?: { plan?: number | null; query?: number | null } | null;
  message?: string | null;
  suggestions?: string[] | null;
}

export interface Axis {
  field: string | null;
  label: string;
  unit?: string | null;
  scale?: "linear" | "log" | string | null;
}

export interface Points {
  points: {
    x: number[];
    y: number[];
    z: number[];
    /** a category index into `color.categories` (or the category itself) */
    color: (number | string | null)[];
    size: (number | null)[];
    highlight: (boolean | number | null)[];
    row_index: number[];
  };
  /** every point's row id (decoded by sieb/ids.ts) */
  ids?: PointIds | null;
  axes: { x: Axis; y: Axis; z: Axis };
  color: { field: string | null; categories: string[]; palette?: string[] | null };
  size: { field: string | null; label?: string | null };
  highlight?: { field?: string | null; label?: string | null } | null;
  total: number;
  sampled: boolean;
  sample_size: number;
}

export interface Ask {
  question: string;
  conversation_id?: string;
  limit?: number;
  cursor?: string;
}

export interface Run {
  collection: string;
  pipeline: Stage[];
  limit?: number;
  cursor?: string;
  /** the page from this row, instead of a cursor */
  offset?: number;
}

// The API's own reply shapes (schema.d.ts, generated from functions/api/sieb.py) must fit the
// shapes these pages read: a change to the contract that breaks the pages breaks the typecheck.
type Schemas = components["schemas"];
type Fits<Reply, Read> = Reply extends Read ? true : never;
export const contractFits: [Fits<Schemas["Answer"], Answer>, Fits<Schemas["Column"], Column>,
  Fits<Schemas["Axis"], Axis>, Fits<Schemas["Points"], Points["points"]>,
  Fits<Omit<Schemas["Cloud"], "axes"> & { axes: Points["axes"] }, Points>] = [true, true, true, true, true];

type Method = "get" | "post";
const untyped = api as unknown as {
  request(method: Method, url: string, init?: { body?: unknown; signal?: AbortSignal }):
    Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const call = <T>(method: Method, url: string, body?: unknown, signal?: AbortSignal) =>
  unwrap<T>(untyped.request(method, url, body === undefined ? { signal } : { body, signal }));

/** Leave unset optional fields out: the API's request models forbid unknown or null extras. */
function defined<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export const sieb = {
  ask: (body: Ask, signal?: AbortSignal) => call<Answer>("post", "/sieb/ask", defined(body), signal),
  run: (body: Run, signal?: AbortSignal) => call<Answer>("post", "/sieb/run", defined(body), signal),
  points: (body: { collection: string; pipeline: Stage[]; mapping?: Partial<Mapping> }, signal?: AbortSignal) =>
    call<Points>("post", "/sieb/points", defined(body), signal),
  schema: (signal?: AbortSignal) => call<Record<string, unknown>>("get", "/sieb/schema", undefined, signal),
};
