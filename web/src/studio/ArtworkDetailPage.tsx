/**
 * One artwork: its brief and final prompt, what the references were read as, the candidate
 * grid (seed, provider, model, offline badge), and per candidate: pick it as the final (into the
 * artistDNA), refine it (an edited prompt on its seed) or vary it (seeds next to its own); then
 * make a video loop from the final one.
 */
import { useState } from "react";
import { Link, useParams } from "react-router";
import {
  studio, useArtwork, useDna, usePickArtwork, usePicked, useStartJob, type Artwork, type ArtworkCandidate, type ArtworkRequest,
} from "../api/studio";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { OpenWhenDone } from "./ArtworkPage";
import { checkCount, CountField, EngineBadge, isNotFound } from "./fields";
import { PromptField } from "./PromptField";
import { FollowJob } from "./StudioJob";

export function CandidateCard({ candidate, index, picked, busy, onPick, onRefine, refining, videoHref }: {
  candidate: ArtworkCandidate;
  index: number;
  picked: boolean;
  busy: boolean;
  onPick: () => void;
  onRefine: () => void;
  refining: boolean;
  videoHref: string;
}) {
  const name = `Candidate ${index + 1}`;
  return (
    <li className={`candidate${picked ? " candidate-picked" : ""}${refining ? " candidate-refining" : ""}`} data-testid="artwork-candidate">
      <figure>
        <img src={candidate.url} alt={`${name}, seed ${candidate.seed}`} width={512} height={512} loading="lazy" />
        <figcaption>
          <span className="candidate-name">{name}{picked && <span className="badge badge-ok">Final</span>}</span>
          <span className="small muted">seed <code>{candidate.seed}</code> · {candidate.provider} · {candidate.model}</span>
          {candidate.offline && <EngineBadge offline />}
        </figcaption>
      </figure>
      <div className="candidate-actions">
        {picked
          ? <Link className="btn btn-small btn-ok" to={videoHref}>Make a video loop</Link>
          : (
            <button type="button" className="btn btn-small btn-primary" onClick={onPick} disabled={busy} aria-label={`Pick ${name}`}>
              Pick
            </button>
          )}
        <button type="button" className="btn btn-small" onClick={onRefine} aria-pressed={refining} aria-label={`Refine ${name}`}>
          Refine
        </button>
      </div>
    </li>
  );
}

/** Refine: the edited prompt on the candidate's own seed (one new candidate). Vary: seeds next to it. */
function Refine({ artwork, candidate, index, onStarted }: {
  artwork: Artwork;
  candidate: ArtworkCandidate;
  index: number;
  onStarted: (jobId: string) => void;
}) {
  const [prompt, setPrompt] = useState(artwork.prompt);
  const [count, setCount] = useState("4");
  const dna = useDna(null);
  const start = useStartJob(studio.artwork);
  const { brief } = artwork;
  const promptError = prompt.trim().length < 3 ? "Describe the artwork in a few words." : null;
  const countError = checkCount(count, 1, 8);
  const run = (variation: boolean) => {
    if (promptError || (variation && countError)) return;
    const request: ArtworkRequest = {
      prompt: prompt.trim(), artist_name: brief.artist_name, genre: brief.genre ?? "", mood: brief.mood ?? "",
      reference_keys: artwork.references.map((r) => r.key),
      parent: { artwork_id: artwork.artwork_id, candidate_id: candidate.candidate_id },
      ...(brief.title ? { title: brief.title } : {}),
      ...(variation ? { variation: true, count: Number(count) } : { count: 1 }),
    };
    start.mutate(request, { onSuccess: (job) => onStarted(job.job_id) });
  };
  return (
    <form className="card form refine" aria-label={`Refine candidate ${index + 1}`} noValidate
      onSubmit={(e) => {
        e.preventDefault();
        run(false);
      }}>
      <h2>Refine candidate {index + 1}</h2>
      <PromptField value={prompt} onChange={setPrompt} genre={brief.genre ?? ""} mood={brief.mood ?? ""} style={dna.data?.style}
        label="Prompt for the new candidates" error={promptError} />
      <p className="muted small">
        <strong>Refine</strong> keeps this candidate's seed ({candidate.seed}): the same composition with your edited prompt.{" "}
        <strong>Vary</strong> makes new candidates on the seeds next to it.
      </p>
      <CountField label="Variations" value={count} onChange={setCount} min={1} max={8} error={countError} />
      {start.error && <p className="error-text" role="alert">Could not start: {start.error.message}</p>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={start.isPending || Boolean(promptError)}>Refine</button>
        <button type="button" className="btn" onClick={() => run(true)} disabled={start.isPending || Boolean(promptError || countError)}>
          Vary this candidate
        </button>
      </div>
    </form>
  );
}

export function ArtworkDetailPage() {
  const { artworkId = "" } = useParams();
  // a refinement opens another artwork on this route: start it with fresh state
  return <ArtworkDetail key={artworkId} artworkId={artworkId} />;
}

const STATUS: Record<string, string> = {
  queued: "Still being made: its job is running.",
  partial: "Some candidates were refused by the model's safety filter.",
  refused: "The model refused every candidate.",
  failed: "Nothing was made.",
};

function ArtworkDetail({ artworkId }: { artworkId: string }) {
  const artwork = useArtwork(artworkId);
  const pick = usePickArtwork(artworkId);
  const picked = usePicked(artworkId);
  const [refining, setRefining] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  if (artwork.isLoading) return <Spinner label="Loading the artwork" />;
  if (artwork.error) {
    return isNotFound(artwork.error)
      ? <EmptyState title="This artwork is not yours, or it does not exist"><Link className="btn" to="/studio/artwork">Back to artwork</Link></EmptyState>
      : <ErrorState title="The artwork could not be loaded" error={artwork.error} onRetry={() => void artwork.refetch()} />;
  }
  const a = artwork.data!;
  const final = (pick.isSuccess ? pick.variables : null) ?? picked;
  const refineIndex = a.candidates.findIndex((c) => c.candidate_id === refining);
  const offline = a.candidates.some((c) => c.offline);
  const facts = [a.brief.artist_name, a.brief.genre, a.brief.mood].filter(Boolean).join(" · ");

  return (
    <div className="studio-page">
      <div className="page-head">
        <Link to="/studio/artwork" className="back">← Artwork</Link>
        <h1>{a.brief.title || "Artwork"}</h1>
        <p className="muted">{facts} · {new Date(a.created_at).toLocaleString()}</p>
      </div>
      <section className="card artwork-prompt" aria-labelledby="prompt-title">
        <h2 id="prompt-title">Prompt</h2>
        <p className="prompt-text">{a.prompt}</p>
        {a.final_prompt && a.final_prompt !== a.prompt && (
          <details>
            <summary>What the image model was sent (with your artistDNA style and the references)</summary>
            <p className="prompt-text small" data-testid="final-prompt">{a.final_prompt}</p>
          </details>
        )}
        {a.references.length > 0 && (
          <>
            <h3>References, as the vision model read them</h3>
            <ul className="reference-notes">{a.references.map((r) => <li key={r.key}>{r.description}</li>)}</ul>
          </>
        )}
        {a.parent && (
          <p className="small muted">
            {a.variation ? "Variations of" : "A refinement of"}{" "}
            <Link to={`/studio/artwork/${a.parent.artwork_id}`}>candidate {a.parent.candidate_id} of an earlier artwork</Link>.
          </p>
        )}
        {STATUS[a.status] && <p className="notice">{STATUS[a.status]}</p>}
        {a.errors.length > 0 && <ul className="reference-notes error-text">{a.errors.map((e) => <li key={e}>{e}</li>)}</ul>}
      </section>

      {pick.data && (
        <div className="card confirm" role="status" data-testid="artwork-picked">
          The final artwork is in your artistDNA as version {pick.data.dna_version}.{" "}
          <Link className="btn btn-small btn-ok" to={`/studio/video?artwork=${a.artwork_id}&candidate=${pick.variables}`}>Make a video loop</Link>
        </div>
      )}
      {pick.error && <p className="error-text" role="alert">Could not pick: {pick.error.message}</p>}

      <section aria-labelledby="candidates-title">
        <div className="section-head">
          <h2 id="candidates-title">Candidates</h2>
          {offline && <EngineBadge offline />}
        </div>
        {a.candidates.length === 0 && <EmptyState title="No candidates">{STATUS[a.status] && <p>{STATUS[a.status]}</p>}</EmptyState>}
        <ul className="candidate-grid">
          {a.candidates.map((c, i) => (
            <CandidateCard key={c.candidate_id} candidate={c} index={i} picked={final === c.candidate_id}
              videoHref={`/studio/video?artwork=${a.artwork_id}&candidate=${c.candidate_id}`}
              busy={pick.isPending} onPick={() => pick.mutate(c.candidate_id)}
              refining={refining === c.candidate_id}
              onRefine={() => setRefining((current) => (current === c.candidate_id ? null : c.candidate_id))} />
          ))}
        </ul>
      </section>

      {refineIndex >= 0 && !jobId && (
        <Refine key={refining} artwork={a} candidate={a.candidates[refineIndex]!} index={refineIndex} onStarted={setJobId} />
      )}
      {jobId && (
        <section className="card" aria-label="Refinement">
          <FollowJob jobId={jobId}>{(job) => <OpenWhenDone artworkIds={job.result.artwork_ids ?? []} />}</FollowJob>
        </section>
      )}
    </div>
  );
}
