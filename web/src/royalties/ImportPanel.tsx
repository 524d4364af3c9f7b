/**
 * Import a revenue statement (CSV or JSON lines): upload it, follow the import job, then its
 * summary (imported, duplicates, held, errors with their line numbers).
 */
import { useRef, useState, type FormEvent } from "react";
import { useImport, useImportErrors, useImportStatement, type ImportSummary } from "../api/royalties";
import { ProgressBar } from "../components/States";

const ACCEPT = ".csv,.jsonl,text/csv,application/x-ndjson";

function Summary({ summary }: { summary: ImportSummary }) {
  const counts: [string, number][] = [
    ["Lines", summary.lines], ["Imported", summary.imported], ["Duplicates", summary.duplicates],
    ["Held", summary.held], ["Errors", summary.errors], ["Conflicts", summary.conflicts],
  ];
  return (
    <>
      <dl className="summary-grid" aria-label="Import summary">
        {counts.map(([label, n]) => <div key={label}><dt>{label}</dt><dd>{n}</dd></div>)}
      </dl>
      <p className="muted small">
        {summary.reconciled ? "Reconciled: the split entries add up to the revenue imported." : "Not reconciled yet."}
        {summary.held > 0 && summary.held_tracks.length > 0 && ` Held lines wait for provenance of: ${summary.held_tracks.join(", ")}.`}
      </p>
      {summary.failed_parts.map((f) => (
        <p key={f.index} className="notice">Part {f.index + 1} failed: {f.reason}. Importing the file again finishes it.</p>
      ))}
      {!summary.accounted && <p className="notice">The lines do not add up to imported + duplicates + held + errors.</p>}
    </>
  );
}

function Errors({ importId }: { importId: string }) {
  const errors = useImportErrors(importId, true);
  if (errors.error) return <p className="error-text" role="alert">Cannot list the rejected lines: {errors.error.message}</p>;
  if (!errors.data) return <ProgressBar value={null} label="Loading the rejected lines" />;
  return (
    <div className="table-scroll">
      <table className="data-table" aria-label="Rejected lines">
        <thead><tr><th className="num">Line</th><th>Reason</th><th>Text</th></tr></thead>
        <tbody>
          {errors.data.map((e) => (
            <tr key={e.line_no} data-testid="import-error"><td className="num">{e.line_no}</td><td>{e.reason}</td><td><code>{e.raw ?? ""}</code></td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ImportProgress({ importId }: { importId: string }) {
  const { data, error } = useImport(importId);
  if (error) return <p className="error-text" role="alert">Cannot follow the import: {error.message}</p>;
  if (!data) return <ProgressBar value={null} label="Starting the import" />;
  const { job, summary } = data;
  const running = job.status === "queued" || job.status === "running" || (job.status === "succeeded" && !summary);
  return (
    <div data-testid="import" data-status={job.status}>
      {running && (
        <>
          <ProgressBar value={job.status === "queued" ? null : job.percent} label={`Importing: ${job.stage}`} />
          <p className="job-line" aria-live="polite">Importing: <strong>{job.stage}</strong> · {job.percent}%</p>
        </>
      )}
      {job.status === "failed" && <p className="error-text" role="alert">The import failed at “{job.stage}”: {job.error ?? "no reason given"}</p>}
      {summary && <Summary summary={summary} />}
      {summary && summary.errors > 0 && <Errors importId={importId} />}
    </div>
  );
}

export function ImportPanel() {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState("");
  const start = useImportStatement();
  const [importId, setImportId] = useState<string | null>(null);
  const badName = file && !/\.(csv|jsonl)$/i.test(file.name) ? "Statements are .csv or .jsonl files." : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file || badName) return;
    setImportId(null);
    start.mutate({ file, source: source.trim() || undefined }, { onSuccess: (job) => setImportId(job.job_id) });
  };
  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import a statement</h2>
      <form className="form" onSubmit={submit} aria-label="Import a statement">
        <label>Statement file <span className="muted">(CSV or JSON lines)</span>
          <input ref={input} type="file" accept={ACCEPT} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>Statement name <span className="muted">(optional, e.g. distrokid:2026-05; importing the same statement twice changes nothing)</span>
          <input value={source} onChange={(e) => setSource(e.target.value)} maxLength={150} />
        </label>
        {badName && <p className="error-text small">{badName}</p>}
        {start.error && <p className="error-text" role="alert">{start.error.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!file || Boolean(badName) || start.isPending}>
            {start.isPending ? "Uploading…" : "Import"}
          </button>
        </div>
      </form>
      {importId && <ImportProgress importId={importId} />}
    </section>
  );
}
