/** A studio job followed live: a bar, the stage, and a line a screen reader hears as it moves. */
import type { ReactNode } from "react";
import { useStudioJob, type StudioJob } from "../api/studio";
import { ProgressBar } from "../components/States";

const WORK: Record<string, string> = {
  artwork: "Making artwork",
  artwork_batch: "Making the batch",
  video: "Rendering the loop",
};

export function StudioJobSteps({ job }: { job: StudioJob }) {
  const failed = job.status === "failed";
  const label = WORK[job.kind] ?? "Working";
  return (
    <div className="job" data-status={job.status} data-testid="studio-job">
      <ProgressBar
        value={job.status === "queued" ? null : job.percent}
        label={`${label}: ${job.stage}`}
        tone={failed ? "error" : job.status === "succeeded" ? "ok" : "accent"}
      />
      <p className="job-line" aria-live="polite">
        {job.status === "queued" && "Waiting to start…"}
        {job.status === "running" && <>{label}: <strong>{job.stage}</strong> · {job.percent}%</>}
        {job.status === "succeeded" && "Done."}
        {failed && <span className="error-text">Failed at “{job.stage}”: {job.error ?? "no reason given"}</span>}
      </p>
    </div>
  );
}

/** Follows `jobId`; `children` renders what the job made once it succeeded (or, `always`, once it finished). */
export function FollowJob({ jobId, always = false, children }: {
  jobId: string;
  always?: boolean;
  children?: (job: StudioJob) => ReactNode;
}) {
  const { data: job, error } = useStudioJob(jobId);
  if (error) return <p className="error-text" role="alert">Cannot follow the job: {error.message}</p>;
  if (!job) return <ProgressBar value={null} label="Starting" />;
  return (
    <>
      <StudioJobSteps job={job} />
      {(job.status === "succeeded" || (always && job.status === "failed")) && children?.(job)}
    </>
  );
}
