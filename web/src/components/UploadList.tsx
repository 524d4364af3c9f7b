/** Every upload of this session: bytes sent, the server's check, then processing. */
import { Link } from "react-router";
import { formatBytes } from "../lib/format";
import { useUploads } from "../upload/context";
import type { UploadItem } from "../upload/queue";
import { JobProgress } from "./JobProgress";
import { ProgressBar } from "./States";

function phaseText(item: UploadItem) {
  switch (item.phase) {
    case "queued": return "Waiting";
    case "uploading": return item.resumed ? "Resuming upload" : item.multipart ? "Uploading (multipart)" : "Uploading";
    case "ingesting": return item.ingest && item.ingest.stage !== "queued" ? `Checking the file: ${item.ingest.stage}` : "Checking the file";
    case "ready": return "In your library";
    case "failed": return "Failed";
    case "cancelled": return "Cancelled";
  }
}

function Row({ item }: { item: UploadItem }) {
  const { queue } = useUploads();
  const percent = item.size ? Math.round((100 * item.loaded) / item.size) : 0;
  return (
    <li className={`upload upload-${item.phase}`} data-testid="upload-row">
      <div className="upload-head">
        <span className="upload-name" title={item.name}>{item.name}</span>
        <span className="muted">
          {item.phase === "uploading" ? `${formatBytes(item.loaded)} of ${formatBytes(item.size)} · ${percent}%` : formatBytes(item.size)}
        </span>
        <span className="upload-phase">{phaseText(item)}</span>
      </div>
      {item.phase === "uploading" && (
        <ProgressBar value={percent} label={`Uploading ${item.name}: ${percent}%`} />
      )}
      {item.phase === "ingesting" && (
        <ProgressBar value={item.ingest?.percent ?? null} label={`Checking ${item.name}`} />
      )}
      {item.notice && <p className="notice" role="status">{item.notice}</p>}
      {item.error && <p className="error-text" role="alert">{item.error}</p>}
      {item.processJobId && <JobProgress jobId={item.processJobId} />}
      <div className="upload-actions">
        {(item.phase === "queued" || item.phase === "uploading") && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => queue.cancel(item.id)}>Cancel</button>
        )}
        {(item.phase === "cancelled" || (item.phase === "failed" && item.retryable)) && (
          <button type="button" className="btn btn-small" onClick={() => queue.retry(item.id)}>
            {item.multipart ? "Resume" : "Retry"}
          </button>
        )}
        {item.trackId && (
          <>
            {!item.processJobId && (
              <button type="button" className="btn btn-small btn-primary" onClick={() => void queue.process(item.id)}>Process</button>
            )}
            <Link className="btn btn-small" to={`/tracks/${item.trackId}`}>Open</Link>
          </>
        )}
        {item.phase !== "uploading" && item.phase !== "ingesting" && item.phase !== "queued" && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => queue.dismiss(item.id)}
            aria-label={`Dismiss ${item.name}`}>Dismiss</button>
        )}
      </div>
    </li>
  );
}

export function AutoProcessSwitch() {
  const { queue, autoProcess } = useUploads();
  return (
    <label className="switch">
      <input type="checkbox" checked={autoProcess} onChange={(e) => queue.setAutoProcess(e.target.checked)} />
      <span>Process automatically after upload</span>
    </label>
  );
}

export function UploadList() {
  const { queue, items } = useUploads();
  if (!items.length) return null;
  const finished = items.filter((i) => i.phase === "ready" || i.phase === "cancelled" || (i.phase === "failed" && !i.retryable));
  return (
    <section className="uploads" id="uploads" aria-labelledby="uploads-title">
      <div className="section-head">
        <h2 id="uploads-title">Uploads</h2>
        {finished.length > 1 && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => finished.forEach((i) => queue.dismiss(i.id))}>
            Dismiss finished
          </button>
        )}
      </div>
      <ul className="upload-list">{items.map((item) => <Row key={item.id} item={item} />)}</ul>
    </section>
  );
}
