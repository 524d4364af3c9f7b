/** Export a selection of tracks as one zip: start the job, follow it, offer the download. */
import { useState } from "react";
import { useExport, useStartExport } from "../api/hooks";
import { ProgressBar } from "./States";

export function ExportSelection({ trackIds }: { trackIds: string[] }) {
  const start = useStartExport();
  const [jobId, setJobId] = useState<string | null>(null);
  const status = useExport(jobId);
  const job = status.data?.job;
  const running = start.isPending || (jobId !== null && !status.data?.url && job?.status !== "failed");
  return (
    <div className="export-selection">
      <button
        type="button"
        className="btn btn-primary"
        disabled={running || trackIds.length === 0}
        onClick={() => start.mutate(trackIds, { onSuccess: (started) => setJobId(started.job_id) })}
      >
        Export {trackIds.length} {trackIds.length === 1 ? "track" : "tracks"}
      </button>
      {running && <ProgressBar value={job?.percent ?? null} label="Building the export" />}
      {status.data?.url && (
        <a className="btn btn-ok" href={status.data.url} download data-testid="selection-download">
          Download zip
        </a>
      )}
      {(start.error ?? status.error) && <p className="error-text" role="alert">{(start.error ?? status.error)!.message}</p>}
      {job?.status === "failed" && <p className="error-text" role="alert">The export failed: {job.error}</p>}
    </div>
  );
}
