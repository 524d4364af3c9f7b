/**
 * CSV export of an answer: all of its rows, fetched page by page through the API's cursor,
 * written as RFC 4180 text (quoted where needed, CRLF line ends, a UTF-8 byte-order mark so
 * spreadsheet programs read umlauts). Cells that a spreadsheet would run as a formula
 * (starting with = + - @ or a tab/CR) are prefixed with an apostrophe, except plain numbers.
 */
import type { Answer, Column, Row } from "../api/sieb";
import { cell, display } from "./table";

/** The most rows one export fetches; the API's own limits apply on top. */
export const EXPORT_LIMIT = 200_000;

const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;

export function csvCell(value: unknown): string {
  let text = display(value);
  if (FORMULA.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: Column[], rows: Row[]): string {
  const head = columns.map((c) => csvCell(c.unit ? `${c.name} (${c.unit})` : c.name)).join(",");
  const body = rows.map((row) => columns.map((c) => csvCell(cell(row, c.name))).join(","));
  return `\ufeff${[head, ...body].join("\r\n")}\r\n`;
}

/**
 * Every row of a result: the first page as given, then `nextPage(cursor)` until the cursor
 * runs out (or `limit` rows are in). Says whether it stopped at the limit.
 */
export async function allRows(first: Answer, nextPage: (cursor: string) => Promise<Answer>,
  limit = EXPORT_LIMIT): Promise<{ rows: Row[]; truncated: boolean }> {
  const rows = [...first.rows];
  const seen = new Set<string>();
  let cursor = first.next_cursor;
  while (cursor && rows.length < limit) {
    if (seen.has(cursor)) throw new Error("the API returned the same page cursor twice");
    seen.add(cursor);
    const page = await nextPage(cursor);
    rows.push(...page.rows);
    cursor = page.next_cursor;
    if (!page.rows.length) break;
  }
  return { rows: rows.slice(0, limit), truncated: Boolean(cursor) || rows.length > limit };
}

/** Hand a text file to the browser's downloads. */
export function download(text: string, filename: string, type = "text/csv;charset=utf-8") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
