/**
 * Rows of a result by their index, for the cloud (a point knows its `row_index`): the page of
 * 1,000 that holds a hovered, pinned or selected point is fetched from its offset
 * (`POST /sieb/run` with `offset`), wherever it is in the result, so every point up to the row
 * cap shows its whole row. At most `maxPages` pages are kept (the least recently used go).
 */
import type { Answer, Row } from "../api/sieb";

export const PAGE = 1000;
export const MAX_PAGES = 40;

export type PageFetch = (offset: number) => Promise<Answer>;

export class RowCache {
  private pages = new Map<number, Row[]>();
  private pending = new Map<number, Promise<void>>();

  constructor(private fetchPage: PageFetch, readonly maxPages = MAX_PAGES) {}

  get(index: number): Row | undefined {
    if (index < 0) return undefined;
    const page = this.pages.get(Math.floor(index / PAGE));
    return page?.[index % PAGE];
  }

  /** Load the pages that hold these rows (each page once, however many ask for it). */
  async ensure(indices: readonly number[]): Promise<void> {
    const wanted = [...new Set(indices.filter((i) => i >= 0).map((i) => Math.floor(i / PAGE)))];
    await Promise.all(wanted.map((n) => this.load(n)));
  }

  private load(n: number): Promise<void> {
    const have = this.pages.get(n);
    if (have) {
      this.pages.delete(n); // most recently used last
      this.pages.set(n, have);
      return Promise.resolve();
    }
    let loading = this.pending.get(n);
    if (!loading) {
      loading = this.fetchPage(n * PAGE).then((page) => {
        this.pages.set(n, page.rows);
        while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value as number);
      }).finally(() => { this.pending.delete(n); });
      this.pending.set(n, loading);
    }
    return loading;
  }
}
