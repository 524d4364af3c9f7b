/**
 * Batch files read in the browser for a preview: CSV (RFC 4180: quoted fields, doubled quotes,
 * CRLF) or JSON (a list of items, or `{"items": [...]}`), each row checked by the rules of
 * soundmosaic/studio/batch.py. The API is the authority: it parses and checks the file again.
 */
import type { BatchItem } from "../api/studio";

export const REQUIRED = ["title", "artist_name", "genre", "mood", "prompt"] as const;
export const OPTIONAL = ["count", "seed"] as const;
export const COLUMNS = [...REQUIRED, ...OPTIONAL] as const;
/** The API's bounds (soundmosaic/studio/batch.py, briefs.py; the item limit is its default). */
export const MAX_ITEMS = 500;
export const MAX_CSV_BYTES = 1024 * 1024;
const MAX_COUNT = 4;
const MAX_SEED = 2 ** 31 - 1;
const LIMITS: Record<(typeof REQUIRED)[number], number> = { title: 120, artist_name: 120, genre: 60, mood: 60, prompt: 1000 };
/** may be empty */
const OPTIONAL_TEXT = new Set(["genre", "mood"]);

export interface BatchRow {
  /** 1-based: the line in a CSV file, the position in a JSON list */
  line: number;
  item: BatchItem;
  errors: string[];
}

export interface BatchPreview {
  format: "csv" | "json";
  /** the optional columns the file uses, to show them */
  extra: (typeof OPTIONAL)[number][];
  rows: BatchRow[];
  /** problems with the file as a whole (header, JSON syntax, size) */
  errors: string[];
  ok: boolean;
}

/** Rows of fields; each row remembers the line it started on. */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const source = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && source[i + 1] === "\n") i++;
      fields.push(field);
      rows.push({ line: rowLine, fields });
      fields = [];
      field = "";
      line++;
      rowLine = line;
    } else field += c;
  }
  if (field !== "" || fields.length) {
    fields.push(field);
    rows.push({ line: rowLine, fields });
  }
  return rows.filter((row) => row.fields.some((f) => f.trim() !== ""));
}

function columnProblems(columns: string[], requireAll: boolean): string[] {
  const problems: string[] = [];
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length && requireAll) problems.push(`Missing columns: ${missing.join(", ")} (the header needs ${REQUIRED.join(", ")}).`);
  const unknown = columns.filter((c) => !(COLUMNS as readonly string[]).includes(c));
  if (unknown.length) problems.push(`Unknown columns: ${unknown.join(", ")} (known: ${COLUMNS.join(", ")}).`);
  const twice = [...new Set(columns.filter((c, i) => columns.indexOf(c) !== i))];
  if (twice.length) problems.push(`Duplicated columns: ${twice.join(", ")}.`);
  return problems;
}

function wholeNumber(value: unknown, name: string, low: number, high: number, errors: string[]): number | undefined {
  if (value === undefined || value === null || (typeof value === "string" && !value.trim())) return undefined;
  const number = typeof value === "string" ? Number(value.trim()) : typeof value === "number" ? value : NaN;
  if (!Number.isInteger(number)) errors.push(`${name} must be a whole number`);
  else if (number < low || number > high) errors.push(`${name} must be ${low}-${high}`);
  else return number;
  return undefined;
}

/** One item from a row of values (strings from a CSV, anything from JSON), and its problems. */
function toItem(values: Record<string, unknown>): { item: BatchItem; errors: string[] } {
  const errors: string[] = [];
  const text = (name: (typeof REQUIRED)[number]) => {
    const value = values[name];
    if (value !== undefined && value !== null && typeof value !== "string") {
      errors.push(`${name} must be text`);
      return "";
    }
    const clean = (value ?? "").replace(/\s+/g, " ").trim();
    if (!clean && !OPTIONAL_TEXT.has(name)) errors.push(`${name} is required`);
    if (clean.length > LIMITS[name]) errors.push(`${name} is ${clean.length} characters; the limit is ${LIMITS[name]}`);
    return clean;
  };
  const item: BatchItem = {
    title: text("title"), artist_name: text("artist_name"), genre: text("genre"), mood: text("mood"), prompt: text("prompt"),
  };
  const count = wholeNumber(values.count, "count", 1, MAX_COUNT, errors);
  const seed = wholeNumber(values.seed, "seed", 0, MAX_SEED, errors);
  if (count !== undefined) item.count = count;
  if (seed !== undefined) item.seed = seed;
  return { item, errors };
}

function finish(format: BatchPreview["format"], columns: string[], rows: BatchRow[], errors: string[]): BatchPreview {
  if (!rows.length && !errors.length) errors.push("The batch has no tracks.");
  if (rows.length > MAX_ITEMS) errors.push(`${rows.length} items: a batch takes at most ${MAX_ITEMS}.`);
  const extra = OPTIONAL.filter((c) => columns.includes(c));
  return { format, extra, rows, errors, ok: !errors.length && rows.every((r) => !r.errors.length) };
}

function fromCsv(text: string): BatchPreview {
  if (new TextEncoder().encode(text).length > MAX_CSV_BYTES) {
    return finish("csv", [], [], [`The CSV is larger than ${MAX_CSV_BYTES / 1024} KiB.`]);
  }
  const [head, ...body] = parseCsv(text);
  if (!head) return finish("csv", [], [], [`The CSV is empty: the first line must name the columns (${REQUIRED.join(", ")}).`]);
  const columns = head.fields.map((f) => f.trim().toLowerCase());
  const problems = columnProblems(columns, true);
  if (problems.length) return finish("csv", columns, [], problems);
  const rows = body.map(({ line, fields }) => {
    const { item, errors } = toItem(Object.fromEntries(columns.map((c, i) => [c, fields[i] ?? ""])));
    if (fields.length !== columns.length) errors.unshift(`${fields.length} fields, the header has ${columns.length}`);
    return { line, item, errors };
  });
  return finish("csv", columns, rows, []);
}

function fromJson(text: string): BatchPreview {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return finish("json", [], [], [`Not valid JSON: ${(err as Error).message}`]);
  }
  const list = Array.isArray(data) ? data : (data as { items?: unknown } | null)?.items;
  if (!Array.isArray(list)) return finish("json", [], [], ['Expected a list of items, or an object with an "items" list.']);
  const seen = new Set<string>();
  const rows = list.map((entry: unknown, index) => {
    const line = index + 1;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      return { line, item: { title: "", artist_name: "", genre: "", mood: "", prompt: "" }, errors: ["not an object"] };
    }
    const values = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k.toLowerCase(), v]));
    Object.keys(values).forEach((k) => seen.add(k));
    const keyProblems = columnProblems(Object.keys(values), false);
    const { item, errors } = toItem(values);
    return { line, item, errors: [...keyProblems, ...errors] };
  });
  return finish("json", [...seen], rows, []);
}

/** Read a batch file: JSON when it starts with `[` or `{` (or the name says .json), else CSV. */
export function readBatch(text: string, filename = ""): BatchPreview {
  const json = /\.json$/i.test(filename) || /^\s*[[{]/.test(text);
  return json ? fromJson(text) : fromCsv(text);
}
