/**
 * Rows of a result by their index, for the cloud (a point knows only its `row_index`): pages
 * of 1,000 fetched in order through the API's cursor as far as a hover, pin or selection
 * needs, up to ROW_CACHE_LIMIT rows. Beyond that the cloud shows the point's mapped values.
 */
import type { Answer, Row } from "../api/sieb";

export const ROW_CACHE_LIMIT = 20_000;
export const PAGE = 1000;

export type PageFetch = (cursor: string | null) => Promise<Answer>;

export class RowCache {
  rows: Row[] = [];
  private cursor: string | null = null;
  private done = false;
  private pending: Promise<void> | null = null;

  constructor(private fetchPage: PageFetch, readonly limit = ROW_CACHE_LIMIT) {}

  get(index: number): Row | undefined {
    return this.rows[index];
  }

  /** Load pages until row `index` is here (or the result or the cache limit ends first). */
  async ensure(index: number): Promise<void> {
    while (!this.done && this.rows.length <= index && this.rows.length < this.limit) {
      this.pending ??= this.fetchPage(this.rows.length ? this.cursor : null).then((page) => {
        this.rows.push(...page.rows);
        this.cursor = page.next_cursor;
        this.done = !page.next_cursor || !page.rows.length;
      }).finally(() => { this.pending = null; });
      await this.pending;
    }
  }
}

/** The column that names a row: `_id` when the result has one, else the first column. */
export function idOf(row: Row, columns: { name: string }[]): string | number | null {
  const key = columns.some((c) => c.name === "_id") ? "_id" : columns[0]?.name;
  const value = key ? row[key] : null;
  return typeof value === "string" || typeof value === "number" ? value : null;
}
