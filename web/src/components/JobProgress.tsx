/** A processing job as a stepper (decode → stems → MIDI/lyrics/samples → export), polled live. */
import { useJob } from "../api/hooks";
import type { Job } from "../api/model";
import { PIPELINE_STEPS, stepOf } from "../lib/format";
import { ProgressBar } from "./States";

export function JobSteps({ job }: { job: Job }) {
  const current = stepOf(job.stage);
  const failed = job.status === "failed";
  return (
    <div className="job" data-status={job.status}>
      <ol className="steps" aria-label="Processing steps">
        {PIPELINE_STEPS.map((step, i) => {
          const state = i < current || job.status === "succeeded" ? "done" : i === current ? (failed ? "failed" : "active") : "todo";
          return (
            <li key={step.id} className={`step step-${state}`} aria-current={state === "active" ? "step" : undefined}>
              {step.label}
            </li>
          );
        })}
      </ol>
      <ProgressBar
        value={job.status === "queued" ? null : job.percent}
        label={`Processing: ${job.stage}`}
        tone={failed ? "error" : job.status === "succeeded" ? "ok" : "accent"}
      />
      <p className="job-line" aria-live="polite">
        {job.status === "queued" && "Waiting to start…"}
        {job.status === "running" && <>Working: <strong>{job.stage}</strong> · {job.percent}%</>}
        {job.status === "succeeded" && "Done: stems, MIDI, lyrics, samples and the export are ready."}
        {failed && <span className="error-text">Failed at “{job.stage}”: {job.error ?? "no reason given"}</span>}
      </p>
    </div>
  );
}

export function JobProgress({ jobId }: { jobId: string }) {
  const { data: job, error } = useJob(jobId);
  if (error) return <p className="error-text" role="alert">Cannot follow the job: {error.message}</p>;
  if (!job) return <ProgressBar value={null} label="Starting processing" />;
  return <JobSteps job={job} />;
}
