/**
 * One answer in the conversation: what the engine understood (or why it did not, with
 * suggestions to click), the table with sorting and paging, CSV export of every row, the
 * pipeline (editable, run again through `POST /sieb/run`), engine and timing, and the point
 * cloud on demand (its own chunk).
 */
import { lazy, Suspense, useState } from "react";
import { sieb, type Answer, type Stage } from "../api/sieb";
import { Spinner } from "../components/States";
import { AnswerTable } from "./AnswerTable";
import { allRows, download, toCsv } from "./csv";
import { PipelineEditor } from "./PipelineEditor";
import { PAGE } from "./rows";
import { nextSort, serverSortOf, sortRows, withServerSort, type SortKey } from "./table";

const CloudPanel = lazy(() => import("./CloudPanel"));

export const TABLE_PAGE = 50;

export interface Turn {
  id: number;
  question: string;
  answer: Answer;
}

/** The result on show: the answer as given, or the answer to an edited or sorted pipeline. */
interface Shown {
  pages: Answer[];
  page: number;
  pipeline: Stage[];
  edited: boolean;
  /** a sort done in the browser (every row is on the one page) */
  localSort: SortKey | null;
}

const ms = (v: number | null | undefined) => (typeof v === "number" ? `${Math.round(v)} ms` : "–");

export function AnswerView({ turn, onAsk, busy }: { turn: Turn; onAsk: (question: string) => void; busy: boolean }) {
  const { answer } = turn;
  const [shown, setShown] = useState<Shown>({ pages: [answer], page: 0, pipeline: answer.pipeline, edited: false, localSort: null });
  const [working, setWorking] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cloud, setCloud] = useState(false);
  const current = shown.pages[shown.page]!;
  const first = shown.pages[0]!;
  const collection = first.collection ?? answer.collection ?? "";

  if (!answer.understood) {
    return (
      <div className="sieb-answer card" data-testid="sieb-not-understood">
        <p><span className="badge badge-warn">not understood</span> {answer.message}</p>
        {answer.suggestions?.length ? (
          <>
            <p className="muted">Try one of these:</p>
            <ul className="sieb-suggestions">
              {answer.suggestions.map((s) => (
                <li key={s}><button type="button" className="btn btn-small" onClick={() => onAsk(s)} disabled={busy}>{s}</button></li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    );
  }

  const act = async (label: string, work: () => Promise<void>) => {
    setWorking(label);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setWorking(null);
    }
  };
  const run = (pipeline: Stage[], cursor?: string, limit = TABLE_PAGE) =>
    sieb.run({ collection, pipeline, cursor, limit });

  const rerun = (pipeline: Stage[], edited: boolean) => act("Running", async () => {
    const result = await run(pipeline);
    setShown({ pages: [result], page: 0, pipeline: result.pipeline?.length ? result.pipeline : pipeline, edited, localSort: null });
  });

  const everythingHere = shown.pages.length === 1 && !first.next_cursor;
  const sort = everythingHere ? shown.localSort : serverSortOf(shown.pipeline);
  const onSort = (column: string) => {
    const key = nextSort(sort, column);
    if (everythingHere) setShown({ ...shown, localSort: key });
    else void rerun(withServerSort(shown.pipeline, key), shown.edited);
  };
  const next = () => {
    if (shown.page + 1 < shown.pages.length) return setShown({ ...shown, page: shown.page + 1 });
    const cursor = current.next_cursor;
    if (!cursor) return;
    void act("Loading", async () => {
      const page = await run(shown.pipeline, cursor);
      setShown((s) => ({ ...s, pages: [...s.pages, page], page: s.pages.length }));
    });
  };
  const exportCsv = () => act("Exporting", async () => {
    const start = await run(shown.pipeline, undefined, PAGE);
    const { rows, truncated } = await allRows(start, (cursor) => run(shown.pipeline, cursor, PAGE));
    const ordered = everythingHere ? sortRows(rows, shown.localSort) : rows;
    download(toCsv(first.columns, ordered), `sieb-${collection}-${new Date().toISOString().slice(0, 10)}.csv`);
    if (truncated) setError(`The export holds the first ${rows.length.toLocaleString("en")} rows (its limit).`);
  });

  const offset = shown.pages.slice(0, shown.page).reduce((n, p) => n + p.rows.length, 0);
  const rows = everythingHere ? sortRows(current.rows, shown.localSort) : current.rows;
  const engine = shown.edited ? "your pipeline" : answer.engine;
  return (
    <div className="sieb-answer card" data-testid="sieb-answer">
      <p className="sieb-meta">
        <span className="badge badge-accent" data-testid="sieb-engine">engine: {engine}{answer.engine === "offline" && !shown.edited ? " (offline engine, no model)" : ""}</span>
        <span className="badge" data-testid="sieb-timing">plan {ms(answer.timing_ms?.plan)} · query {ms(current.timing_ms?.query)}</span>
        <span className="badge">{first.total.toLocaleString("en")} {first.total === 1 ? "row" : "rows"} from {collection}</span>
      </p>
      {answer.message && <p className="sieb-message">{answer.message}</p>}
      <AnswerTable columns={first.columns} rows={rows} total={first.total} offset={offset} sort={sort} onSort={onSort}
        hasNext={shown.page + 1 < shown.pages.length || Boolean(current.next_cursor)} hasPrevious={shown.page > 0}
        onNext={next} onPrevious={() => setShown({ ...shown, page: shown.page - 1 })} busy={Boolean(working)} />
      {working && <p className="muted" role="status">{working}…</p>}
      {error && !working && <p className="error-text" role="alert">{error}</p>}
      <div className="form-actions sieb-actions">
        <button type="button" className="btn btn-small" onClick={() => void exportCsv()} disabled={Boolean(working) || !first.total}>Export CSV</button>
        <button type="button" className="btn btn-small" aria-expanded={cloud} onClick={() => setCloud((v) => !v)} disabled={!first.total}>
          {cloud ? "Hide point cloud" : "Show point cloud"}
        </button>
      </div>
      <PipelineEditor pipeline={shown.pipeline} collection={collection} busy={Boolean(working)} error={null}
        onRun={(pipeline) => void rerun(pipeline, true)} />
      {cloud && (
        <Suspense fallback={<Spinner label="Loading the point cloud" />}>
          <CloudPanel collection={collection} pipeline={shown.pipeline} columns={first.columns} busy={busy}
            fetchPage={(offset) => sieb.run({ collection, pipeline: shown.pipeline, offset, limit: PAGE })} onAsk={onAsk} />
        </Suspense>
      )}
    </div>
  );
}
