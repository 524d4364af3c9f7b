/**
 * Each point's row id, as `POST /sieb/points` sends it (functions/api/sieb.py `PointIds`):
 * a prefix and a base64 little-endian Int32 array (zero-padded to `width`) when the ids allow
 * it, else a list of strings. Decoded once per cloud; every point has its id, so hover, pins
 * and "ask about the selection" name any point without loading its row.
 */
export interface PointIds {
  column: string;
  prefix: string | null;
  width: number | null;
  numbers: string | null;
  values: (string | null)[] | null;
}

export interface Ids {
  column: string;
  at(index: number): string | null;
  count: number;
}

export function decodeIds(ids: PointIds | null | undefined): Ids {
  if (!ids) return { column: "_id", at: () => null, count: 0 };
  if (ids.numbers === null || ids.numbers === undefined) {
    const values = ids.values ?? [];
    return { column: ids.column, at: (i) => values[i] ?? null, count: values.length };
  }
  const bytes = Uint8Array.from(atob(ids.numbers), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const count = bytes.length >> 2;
  const prefix = ids.prefix ?? "";
  const width = ids.width ?? 0;
  return {
    column: ids.column,
    count,
    at: (i) => (i >= 0 && i < count ? prefix + String(view.getInt32(i * 4, true)).padStart(width, "0") : null),
  };
}
