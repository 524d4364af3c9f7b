/**
 * The answer as a table: column headers sort (ascending, descending, off), pages move through
 * the API's cursor, and "Export CSV" fetches every row. The page decides where sorting happens
 * (`onSort`): in the browser when all rows are loaded, on the server otherwise.
 */
import type { Column, Row } from "../api/sieb";
import { cell, shown, type SortKey } from "./table";

export interface TableProps {
  columns: Column[];
  rows: Row[];
  total: number;
  /** the first row's number on this page (0-based) */
  offset: number;
  sort: SortKey | null;
  onSort: (column: string) => void;
  hasNext: boolean;
  hasPrevious: boolean;
  onNext: () => void;
  onPrevious: () => void;
  busy: boolean;
  highlighted?: ReadonlySet<number>;
}

const NUMBERISH = new Set(["number", "integer", "int", "long", "double", "decimal", "decimal128"]);

export function AnswerTable(props: TableProps) {
  const { columns, rows, total, offset, sort } = props;
  const first = rows.length ? offset + 1 : 0;
  const last = offset + rows.length;
  return (
    <div className="sieb-table">
      <div className="table-scroll">
        <table className="data-table" aria-label="Answer rows">
          <thead>
            <tr>
              {columns.map((c) => {
                const active = sort?.column === c.name ? sort.direction : null;
                return (
                  <th key={c.name} scope="col" aria-sort={active === "asc" ? "ascending" : active === "desc" ? "descending" : "none"}
                    className={NUMBERISH.has(c.type) ? "num" : undefined}>
                    <button type="button" className="sieb-sort" onClick={() => props.onSort(c.name)} disabled={props.busy}
                      title={`Sort by ${c.name}`}>
                      {c.name}{c.unit ? <span className="muted"> ({c.unit})</span> : null}
                      <span aria-hidden="true">{active === "asc" ? " ▲" : active === "desc" ? " ▼" : ""}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={offset + i} data-testid="sieb-row" className={props.highlighted?.has(offset + i) ? "sieb-row-picked" : undefined}>
                {columns.map((c) => (
                  <td key={c.name} className={NUMBERISH.has(c.type) ? "num" : undefined}>{shown(cell(row, c.name))}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="sieb-pager">
        <span data-testid="sieb-range">{rows.length ? `Rows ${first.toLocaleString("en")}–${last.toLocaleString("en")} of ${total.toLocaleString("en")}` : "No rows"}</span>
        <button type="button" className="btn btn-small" onClick={props.onPrevious} disabled={!props.hasPrevious || props.busy}>Previous</button>
        <button type="button" className="btn btn-small" onClick={props.onNext} disabled={!props.hasNext || props.busy}>Next</button>
      </div>
    </div>
  );
}
