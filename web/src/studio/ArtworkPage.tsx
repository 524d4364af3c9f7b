/**
 * Artwork: a brief (prompt with live suggestions, artist, genre, mood, title, count, seed,
 * reference images) starts a job; its progress is followed here (the job id lives in the URL, so
 * a reload keeps following it) and its candidates open when it is done. Past artworks below.
 */
import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { studio, useArtworks, useDna, useStartJob, type ArtworkRequest } from "../api/studio";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { BriefFields, checkBasics, checkCount, CountField, MAX_NAME, TextField, useRememberedBrief, type Errors } from "./fields";
import { PromptField } from "./PromptField";
import { ReferencePicker, useReferences } from "./References";
import { FollowJob } from "./StudioJob";

type Field = "artist_name" | "genre" | "mood" | "prompt" | "count" | "seed";

function ArtworkForm({ onStarted }: { onStarted: (jobId: string) => void }) {
  const [basics, setBasics] = useRememberedBrief();
  const [prompt, setPrompt] = useState("");
  const [title, setTitle] = useState("");
  const [count, setCount] = useState("4");
  const [seed, setSeed] = useState("");
  const [errors, setErrors] = useState<Errors<Field>>({});
  const refs = useReferences();
  const dna = useDna(null);
  const start = useStartJob(studio.artwork);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Errors<Field> = { ...checkBasics(basics) };
    if (prompt.trim().length < 3) found.prompt = "Describe the artwork in a few words.";
    const badCount = checkCount(count, 1, 8);
    if (badCount) found.count = badCount;
    if (seed.trim() && checkCount(seed, 0, 2 ** 31 - 1)) found.seed = "A whole number, or empty for a random seed.";
    setErrors(found);
    if (Object.keys(found).length) return;
    const request: ArtworkRequest = {
      prompt: prompt.trim(), artist_name: basics.artist_name.trim(), genre: basics.genre.trim(), mood: basics.mood.trim(),
      count: Number(count), reference_keys: refs.keys,
      ...(title.trim() ? { title: title.trim() } : {}),
      ...(seed.trim() ? { seed: Number(seed) } : {}),
    };
    start.mutate(request, { onSuccess: (job) => onStarted(job.job_id) });
  };

  return (
    <form className="card form studio-form" onSubmit={submit} noValidate aria-label="Artwork brief">
      <PromptField value={prompt} onChange={setPrompt} genre={basics.genre} mood={basics.mood} style={dna.data?.style}
        error={errors.prompt} />
      <BriefFields brief={basics} onChange={setBasics} errors={errors} />
      <div className="field-row">
        <TextField label={<>Title <span className="muted">(optional)</span></>} value={title} onChange={setTitle} maxLength={MAX_NAME} />
        <CountField label="Candidates" value={count} onChange={setCount} min={1} max={8} error={errors.count} />
        <TextField label={<>Seed <span className="muted">(optional)</span></>} value={seed} onChange={setSeed}
          inputMode="numeric" error={errors.seed} className="input-narrow" />
      </div>
      <ReferencePicker refs={refs} />
      {Object.keys(errors).length > 0 && <p className="error-text" role="alert">Fix the fields marked above.</p>}
      {start.error && <p className="error-text" role="alert">Could not start: {start.error.message}</p>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={start.isPending || refs.busy}>
          {refs.busy ? "Uploading references…" : start.isPending ? "Starting…" : "Generate artwork"}
        </button>
      </div>
    </form>
  );
}

/** Opens the artwork a finished job made (the first, when it made several). */
export function OpenWhenDone({ artworkIds }: { artworkIds: string[] }) {
  const navigate = useNavigate();
  const first = artworkIds[0];
  useEffect(() => {
    if (first) navigate(`/studio/artwork/${first}`, { replace: true });
  }, [first, navigate]);
  return first ? <Spinner label="Opening the candidates" /> : <p className="error-text" role="alert">The job made no artwork.</p>;
}

const LIST_STATUS: Record<string, string> = { queued: "being made", partial: "some refused", refused: "refused", failed: "failed" };

export function PastArtworks() {
  const artworks = useArtworks();
  const dna = useDna(null);
  const picked = new Set(dna.data?.artworks.map((a) => a.artwork_id));
  if (artworks.isLoading) return <Spinner label="Loading your artworks" />;
  if (artworks.error) return <ErrorState title="Your artworks could not be loaded" error={artworks.error} onRetry={() => void artworks.refetch()} />;
  const items = artworks.data?.items ?? [];
  if (!items.length) return <EmptyState title="No artwork yet"><p>Your generated artworks are listed here.</p></EmptyState>;
  return (
    <ul className="artwork-list" data-testid="artwork-list">
      {items.map((a) => (
        <li key={a.artwork_id}>
          <Link to={`/studio/artwork/${a.artwork_id}`} className="artwork-tile">
            {a.thumbnail_url
              ? <img src={a.thumbnail_url} alt="" loading="lazy" width={160} height={160} />
              : <span className="artwork-blank" aria-hidden="true" />}
            <span className="artwork-tile-title">{a.title || a.prompt}</span>
            <span className="muted small">
              {new Date(a.created_at).toLocaleString()}
              {picked.has(a.artwork_id) && <> · <span className="badge badge-ok">picked</span></>}
              {LIST_STATUS[a.status] && ` · ${LIST_STATUS[a.status]}`}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function ArtworkPage() {
  const [params, setParams] = useSearchParams();
  const jobId = params.get("job");
  return (
    <div className="studio-page">
      <div className="page-head">
        <h1>Artwork</h1>
        <p className="muted">Describe the cover; choose from the candidates, refine one, pick the final.</p>
      </div>
      <ArtworkForm onStarted={(id) => setParams({ job: id })} />
      {jobId && (
        <section className="card" aria-label="Generation">
          <FollowJob jobId={jobId}>{(job) => <OpenWhenDone artworkIds={job.result.artwork_ids ?? []} />}</FollowJob>
        </section>
      )}
      <section aria-labelledby="past-artworks">
        <div className="section-head"><h2 id="past-artworks">Your artworks</h2></div>
        <PastArtworks />
      </section>
    </div>
  );
}
