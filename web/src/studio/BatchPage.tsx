/**
 * Batch artwork: a CSV or JSON file (chosen, dropped in the box or pasted), previewed and
 * checked here row by row; then one job makes every item, and the contact sheet and each
 * item's result (or why it failed) show when it is done.
 */
import { useId, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { studio, useBatchReport, useStartJob, type BatchItemReport } from "../api/studio";
import { ErrorState, Spinner } from "../components/States";
import { MAX_CSV_BYTES, MAX_ITEMS, OPTIONAL, readBatch, REQUIRED, type BatchPreview } from "./batchFile";
import { FollowJob } from "./StudioJob";

const EXAMPLE = `title,artist_name,genre,mood,prompt
Night Drive,Nova,synthwave,nostalgic,"a car on an empty neon highway, rain"
Low Tide,Nova,ambient,calm,still water at dawn`;

function Preview({ preview }: { preview: BatchPreview }) {
  const columns = [...REQUIRED, ...preview.extra];
  const bad = preview.rows.filter((r) => r.errors.length).length;
  return (
    <div className="batch-preview">
      <p aria-live="polite" data-testid="batch-summary">
        {preview.format.toUpperCase()}: {preview.rows.length} item{preview.rows.length === 1 ? "" : "s"}
        {bad > 0 && <>, <strong className="error-text">{bad} with problems</strong></>}
        {preview.ok && " — ready to start."}
      </p>
      {preview.errors.map((e) => <p key={e} className="error-text" role="alert">{e}</p>)}
      {preview.rows.length > 0 && (
        <div className="table-scroll">
          <table className="data-table batch-table">
            <caption className="sr-only">The batch's items</caption>
            <thead>
              <tr>
                <th scope="col">{preview.format === "csv" ? "Line" : "#"}</th>
                {columns.map((c) => <th key={c} scope="col">{c.replace("_", " ")}</th>)}
                <th scope="col">Problems</th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((row) => (
                <tr key={row.line} className={row.errors.length ? "row-error" : undefined} data-testid="batch-row">
                  <td className="col-num">{row.line}</td>
                  {columns.map((c) => <td key={c}>{row.item[c] ?? ""}</td>)}
                  <td>{row.errors.length ? <span className="error-text">{row.errors.join("; ")}</span> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const ITEM_STATUS = { ok: "made", partial: "partly made", refused: "refused", failed: "failed" } as const;

function why(item: BatchItemReport): string | null {
  const reasons = [item.error, ...item.refused.map((r) => `${r.candidate_id} refused: ${r.reason}`)].filter(Boolean);
  return reasons.length ? reasons.join("; ") : null;
}

/** The finished batch's report: the contact sheet, then each item with its images or why not. */
export function BatchResult({ jobId }: { jobId: string }) {
  const report = useBatchReport(jobId, true);
  if (report.isLoading) return <Spinner label="Loading the report" />;
  if (report.error) return <ErrorState title="The report could not be loaded" error={report.error} onRetry={() => void report.refetch()} />;
  const r = report.data!;
  if (!r.finished) return <p className="muted">The report is not written yet.</p>;
  const made = r.counts.ok + r.counts.partial;
  return (
    <div className="batch-result">
      <p>
        {made} of {r.items.length} made
        {(["partial", "refused", "failed"] as const).filter((s) => r.counts[s]).map((s) => `, ${r.counts[s]} ${ITEM_STATUS[s]}`).join("")}.
      </p>
      <figure className="contact-sheet">
        <img src={r.contact_sheet_url} alt="Contact sheet of the batch" data-testid="contact-sheet" />
        <figcaption><a href={r.contact_sheet_url} download>Download the contact sheet</a></figcaption>
      </figure>
      <ol className="batch-items">
        {r.items.map((item) => (
          <li key={item.index} className={`batch-item batch-item-${item.status}`} data-testid="batch-item">
            <strong>{item.title || `Item ${item.index + 1}`}</strong>{" "}
            <span className={`badge${item.status === "ok" ? " badge-ok" : " badge-warn"}`}>{ITEM_STATUS[item.status]}</span>{" "}
            {item.made.length > 0 && <Link to={`/studio/artwork/${item.artwork_id}`}>Open {item.made.length === 1 ? "the candidate" : `${item.made.length} candidates`}</Link>}
            {why(item) && <span className="error-text small batch-why">{why(item)}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function BatchPage() {
  const [params, setParams] = useSearchParams();
  const jobId = params.get("job");
  const [text, setText] = useState("");
  const [filename, setFilename] = useState("");
  const [readError, setReadError] = useState<string | null>(null);
  const start = useStartJob(studio.batch);
  const fileField = useId();
  const pasteField = useId();
  const preview = useMemo(() => (text.trim() ? readBatch(text, filename) : null), [text, filename]);

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setReadError(null);
    if (file.size > MAX_CSV_BYTES) {
      setReadError(`The file is larger than ${MAX_CSV_BYTES / 1024} KiB.`);
      return;
    }
    try {
      setText(await file.text());
      setFilename(file.name);
    } catch (err) {
      setReadError(`The file could not be read: ${(err as Error).message}`);
    }
  };
  const submit = () => {
    if (!preview?.ok) return;
    const body = preview.format === "csv" ? { csv: text } : { items: preview.rows.map((r) => r.item) };
    start.mutate(body, { onSuccess: (job) => setParams({ job: job.job_id }) });
  };

  return (
    <div className="studio-page">
      <div className="page-head">
        <h1>Batch artwork</h1>
        <p className="muted">
          Many covers at once, up to {MAX_ITEMS}: a CSV with the columns <code>{REQUIRED.join(", ")}</code> (genre and mood
          may be empty; <code>{OPTIONAL.join(", ")}</code> are optional: candidates per track, 1–4, and a seed), or a JSON list of
          items with the same fields.
        </p>
      </div>
      <div className="card form studio-form">
        <div className="field">
          <label htmlFor={fileField}>CSV or JSON file</label>
          <input id={fileField} type="file" accept=".csv,.json,text/csv,application/json" data-testid="batch-file"
            onChange={(e) => {
              void choose(e.target.files?.[0]);
              e.target.value = "";
            }} />
        </div>
        <div className="field">
          <label htmlFor={pasteField}>…or paste it</label>
          <textarea id={pasteField} rows={6} value={text} placeholder={EXAMPLE} spellCheck={false}
            onChange={(e) => {
              setText(e.target.value);
              setFilename("");
            }} />
        </div>
        {readError && <p className="error-text" role="alert">{readError}</p>}
        {preview && <Preview preview={preview} />}
        {start.error && <p className="error-text" role="alert">The API refused the batch: {start.error.message}</p>}
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={submit} disabled={!preview?.ok || start.isPending}>
            {start.isPending ? "Starting…" : preview?.ok ? `Start ${preview.rows.length} artwork${preview.rows.length === 1 ? "" : "s"}` : "Start the batch"}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => {
            setText(EXAMPLE);
            setFilename("example.csv");
          }}>Use an example</button>
        </div>
      </div>
      {jobId && (
        <section className="card" aria-labelledby="batch-run">
          <h2 id="batch-run">The batch</h2>
          <FollowJob jobId={jobId} always>{(job) => <BatchResult jobId={job.job_id} />}</FollowJob>
        </section>
      )}
    </div>
  );
}
