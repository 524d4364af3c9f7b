/**
 * Video loop: from an artwork candidate (usually the picked one), with a track's audio if one
 * is chosen, render a seamless loop; follow the job; play it looping and offer the MP4.
 */
import { useId, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { studio, useArtwork, useArtworks, useDna, usePicked, useStartJob, type StudioJob } from "../api/studio";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { EngineBadge, TrackPicker } from "./fields";
import { FollowJob } from "./StudioJob";

/** Loop lengths offered (the API takes up to 30 s); the short ones are quick previews. */
export const LENGTHS = [3, 5, 10, 15, 20, 30];

function CandidateChoice({ artworkId, value, picked, onChange }: {
  artworkId: string;
  value: string;
  picked: string | null;
  onChange: (id: string) => void;
}) {
  const artwork = useArtwork(artworkId);
  if (artwork.isLoading) return <Spinner label="Loading the candidates" />;
  if (artwork.error) return <ErrorState title="The artwork could not be loaded" error={artwork.error} onRetry={() => void artwork.refetch()} />;
  const a = artwork.data!;
  return (
    <fieldset className="candidate-choice">
      <legend>Candidate</legend>
      {a.candidates.map((c, i) => (
        <label key={c.candidate_id} className="candidate-option">
          <input type="radio" name="candidate" value={c.candidate_id} checked={value === c.candidate_id}
            onChange={() => onChange(c.candidate_id)} />
          <img src={c.url} alt="" width={96} height={96} />
          <span>Candidate {i + 1}{picked === c.candidate_id ? " (final)" : ""}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function VideoResult({ job }: { job: StudioJob }) {
  const url = job.result.video_url;
  if (!url) return <p className="error-text" role="alert">The job finished without a video.</p>;
  return (
    <div className="video-result">
      <video src={url} loop autoPlay muted controls playsInline data-testid="loop-video" aria-label="The video loop" />
      <div className="video-facts">
        <a className="btn btn-ok" href={url} download={`loop-${job.result.video_id ?? job.job_id}.mp4`} data-testid="video-download">
          Download MP4
        </a>
        <span className="small muted">
          {[job.result.seconds && `${job.result.seconds} s`, job.result.width && `${job.result.width}×${job.result.height}`,
            job.result.audio ? "with audio" : "silent", job.result.provider && `${job.result.provider} · ${job.result.model}`,
          ].filter(Boolean).join(" · ")}
        </span>
        {job.result.offline && <EngineBadge offline />}
      </div>
    </div>
  );
}

export function VideoPage() {
  const [params, setParams] = useSearchParams();
  const artworkId = params.get("artwork") ?? "";
  const candidateParam = params.get("candidate") ?? "";
  const jobId = params.get("job");
  const artworks = useArtworks();
  const chosen = useArtwork(artworkId || null);
  const [candidate, setCandidate] = useState(candidateParam);
  const [trackId, setTrackId] = useState("");
  const [seconds, setSeconds] = useState(10);
  const start = useStartJob(studio.video);
  const artworkField = useId();
  const lengthField = useId();
  // the candidate named in the URL, else the artwork's final one, else its first
  const picked = usePicked(artworkId);
  const dna = useDna(null);
  const pickedArtworks = new Set(dna.data?.artworks.map((a) => a.artwork_id));
  const effective = candidate || picked || chosen.data?.candidates[0]?.candidate_id || "";

  const set = (change: Record<string, string>) => setParams((current) => {
    const next = new URLSearchParams(current);
    for (const [name, value] of Object.entries(change)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    return next;
  }, { replace: true });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!artworkId || !effective) return;
    start.mutate(
      { artwork_id: artworkId, candidate_id: effective, seconds, ...(trackId ? { track_id: trackId } : {}) },
      { onSuccess: (job) => set({ job: job.job_id, candidate: effective }) },
    );
  };

  const items = artworks.data?.items ?? [];
  const listed = items.some((a) => a.artwork_id === artworkId);
  return (
    <div className="studio-page">
      <div className="page-head">
        <h1>Video loop</h1>
        <p className="muted">A seamless loop from an artwork, with a track's audio if you like.</p>
      </div>
      {artworks.isSuccess && !items.length && !artworkId
        ? <EmptyState title="No artwork yet"><Link className="btn" to="/studio/artwork">Make artwork first</Link></EmptyState>
        : (
          <form className="card form studio-form" onSubmit={submit} aria-label="Video loop">
            <div className="field">
              <label htmlFor={artworkField}>Artwork</label>
              <select id={artworkField} value={artworkId} onChange={(e) => {
                setCandidate("");
                set({ artwork: e.target.value, candidate: "", job: "" });
              }}>
                <option value="">{artworks.isLoading ? "Loading…" : "Choose an artwork"}</option>
                {artworkId && !listed && <option value={artworkId}>{chosen.data?.brief.title || chosen.data?.brief.prompt || artworkId}</option>}
                {items.map((a) => (
                  <option key={a.artwork_id} value={a.artwork_id}>
                    {(a.title || a.prompt).slice(0, 80)}{pickedArtworks.has(a.artwork_id) ? " (picked)" : ""}
                  </option>
                ))}
              </select>
            </div>
            {artworkId && <CandidateChoice artworkId={artworkId} value={effective} picked={picked} onChange={setCandidate} />}
            <div className="field-row">
              <TrackPicker value={trackId} onChange={setTrackId} label="Audio from a track" hint="Its first seconds become the loop's sound." />
              <div className="field">
                <label htmlFor={lengthField}>Length</label>
                <select id={lengthField} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))}>
                  {LENGTHS.map((s) => <option key={s} value={s}>{s} seconds</option>)}
                </select>
              </div>
            </div>
            {start.error && <p className="error-text" role="alert">Could not start: {start.error.message}</p>}
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={!artworkId || !effective || start.isPending}>
                {start.isPending ? "Starting…" : "Make the loop"}
              </button>
            </div>
          </form>
        )}
      {jobId && (
        <section className="card" aria-labelledby="loop-title">
          <h2 id="loop-title">The loop</h2>
          <FollowJob jobId={jobId}>{(job) => <VideoResult job={job} />}</FollowJob>
        </section>
      )}
    </div>
  );
}
