/**
 * The project's takes: a player with the waveform of each, its seed and engine, Regenerate
 * (another seed, same settings), Keep (one kept), downloads, provenance and, once kept, publishing.
 */
import { useRef, useState, type MouseEvent } from "react";
import { useGenerate, useGenerationJob, useKeep, type Take } from "../api/generation";
import { ProgressBar } from "../components/States";
import { ProvenanceView } from "./Provenance";
import { PublishPanel } from "./PublishPanel";
import { randomSeed, sharePercent } from "./shares";

/**
 * The waveform from the take's peaks (0..1), one bar per peak, drawn as SVG; the part played
 * is lit, and a click seeks (the audio element's own controls do it from the keyboard).
 */
export function Peaks({ peaks, label, played = 0, onSeek }: {
  peaks: number[];
  label: string;
  /** 0..1 */
  played?: number;
  onSeek?: (fraction: number) => void;
}) {
  const n = Math.max(peaks.length, 1);
  const seek = (event: MouseEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    if (onSeek && box.width > 0) onSeek(Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1));
  };
  return (
    <svg className="peaks" viewBox={`0 0 ${n} 2`} preserveAspectRatio="none" role="img" aria-label={label}
      data-testid="peaks" onClick={seek}>
      {peaks.map((p, i) => {
        const h = Math.min(Math.max(Math.abs(p), 0.01), 1);
        return <rect key={i} x={i + 0.1} y={1 - h} width={0.8} height={2 * h} fill="currentColor"
          opacity={i / n < played ? 1 : 0.45} />;
      })}
    </svg>
  );
}

function TakePlayer({ take }: { take: Take }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [played, setPlayed] = useState(0);
  const progress = () => {
    const el = audio.current;
    if (el && el.duration > 0) setPlayed(el.currentTime / el.duration);
  };
  const seek = (fraction: number) => {
    const el = audio.current;
    const duration = el && el.duration > 0 ? el.duration : take.duration_s ?? 0;
    if (el && duration > 0) el.currentTime = fraction * duration;
  };
  return (
    <>
      {take.preview_url && (
        <audio ref={audio} controls preload="none" src={take.preview_url} aria-label={`Play take ${take.seed}`}
          onTimeUpdate={progress} onSeeked={progress} />
      )}
      {take.peaks && take.peaks.length > 0 && (
        <Peaks peaks={take.peaks} label={`Waveform of take ${take.seed}`} played={played} onSeek={seek} />
      )}
    </>
  );
}

function TakeJob({ jobId }: { jobId: string }) {
  const { data: job, error } = useGenerationJob(jobId);
  if (error) return <p className="error-text" role="alert">Cannot follow the generation: {error.message}</p>;
  if (!job || job.status === "queued") return <ProgressBar value={null} label="Generating: waiting to start" />;
  return (
    <>
      <ProgressBar value={job.percent} label={`Generating: ${job.stage}`} tone={job.status === "failed" ? "error" : "accent"} />
      <p className="job-line" aria-live="polite">
        {job.status === "failed" ? <span className="error-text">Failed at “{job.stage}”: {job.error ?? "no reason given"}</span>
          : <>Generating: <strong>{job.stage}</strong> · {job.percent}%</>}
      </p>
    </>
  );
}

export function engineText(take: Take) {
  if (take.offline) return "offline engine";
  return take.engine ?? "engine unknown";
}

export function TakeCard({ take, projectName }: { take: Take; projectName: string }) {
  const keep = useKeep(take.project_id);
  const regenerate = useGenerate(take.project_id);
  const error = keep.error ?? regenerate.error;
  const label = `Take with seed ${take.seed}`;
  return (
    <li className={`card take${take.kept ? " take-kept" : ""}`} data-testid="take" aria-label={label}>
      <div className="take-head">
        <h3>Seed {take.seed}</h3>
        <span className="engine">
          {take.status === "ready" && <span className="badge">{engineText(take)}</span>}
          <span className="badge">{take.seconds} s · influence {sharePercent(take.influence)}</span>
          {take.kept && <span className="badge badge-ok">Kept</span>}
          {take.status === "failed" && <span className="badge badge-error">Failed</span>}
        </span>
      </div>
      {take.prompt && <p className="muted small">“{take.prompt}”</p>}
      {take.status === "generating" && (take.job_id ? <TakeJob jobId={take.job_id} /> : <ProgressBar value={null} label="Generating" />)}
      {take.status === "failed" && <p className="error-text">{take.error ?? "The generation failed."}</p>}
      {take.status === "ready" && (
        <>
          <TakePlayer take={take} />
          <div className="form-actions">
            <button type="button" className="btn" disabled={regenerate.isPending}
              onClick={() => regenerate.mutate({ seed: randomSeed(), seconds: take.seconds, influence: take.influence, prompt: take.prompt,
                ...(take.weights ? { weights: take.weights } : {}) })}>
              {regenerate.isPending ? "Starting…" : "Regenerate"}
            </button>
            <button type="button" className="btn btn-primary" disabled={take.kept || keep.isPending}
              onClick={() => keep.mutate(take.take_id)} aria-label={take.kept ? "Kept" : `Keep take ${take.seed}`}>
              {take.kept ? "Kept" : "Keep"}
            </button>
            {take.audio_url && <a className="btn btn-ghost" href={take.audio_url} download={`take-${take.seed}.wav`}>Download WAV</a>}
            {take.midi_url && <a className="btn btn-ghost" href={take.midi_url} download={`take-${take.seed}.mid`}>Download MIDI</a>}
          </div>
          {take.provenance && <ProvenanceView provenance={take.provenance} />}
        </>
      )}
      {error && <p className="error-text" role="alert">{error.message}</p>}
      {take.kept && take.status === "ready" && <PublishPanel take={take} projectName={projectName} />}
    </li>
  );
}
