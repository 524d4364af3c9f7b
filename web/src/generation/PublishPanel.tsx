/**
 * Publishing the kept take: the release form (title, artist, genre, date, ISRC, artwork), then
 * the publication followed until the distributor has it or it failed for good (Retry).
 */
import { useState, type FormEvent } from "react";
import {
  FINAL_PUBLICATION, usePublication, usePublish, useRetryPublication, type Publication, type PublicationStatus, type Take,
} from "../api/generation";
import { useArtworks } from "../api/studio";
import { useSession } from "../auth/session";
import { ProgressBar } from "../components/States";

export const PUBLICATION_STEPS: { status: PublicationStatus; label: string }[] = [
  { status: "queued", label: "Queued" },
  { status: "packaging", label: "Packaging" },
  { status: "sending", label: "Sending" },
  { status: "submitted", label: "Submitted" },
];

// the outbox's idempotent steps (soundmosaic.publishing.outbox), in words
const DONE: Record<string, string> = {
  package: "release package written", create: "release created at the distributor", audio: "audio sent",
  artwork: "artwork sent", submit: "submitted",
};

const ISRC = /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/;
export const cleanIsrc = (text: string) => text.toUpperCase().replace(/[-\s]/g, "");
const today = () => new Date().toISOString().slice(0, 10);

function when(iso: string | null | undefined) {
  if (!iso) return "soon";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Where a publication stands in queued → packaging → sending → submitted. */
function stepIndex(pub: Publication): number {
  if (pub.status === "failed_retrying" || pub.status === "failed") {
    // the outbox packages first, then sends (create, audio, artwork, submit): it failed in
    // the first of the two not done
    return pub.steps?.package ? 2 : 1;
  }
  return PUBLICATION_STEPS.findIndex((s) => s.status === pub.status);
}

export function PublicationView({ projectId, takeId }: { projectId: string; takeId: string }) {
  const { data: pub, error } = usePublication(projectId, takeId, true);
  const retry = useRetryPublication(projectId, takeId);
  if (error) return <p className="error-text" role="alert">Cannot read the publication: {error.message}</p>;
  if (!pub) return <ProgressBar value={null} label="Reading the publication" />;
  const current = stepIndex(pub);
  const failed = pub.status === "failed" || pub.status === "failed_retrying";
  const final = FINAL_PUBLICATION.includes(pub.status);
  return (
    <div data-testid="publication" data-status={pub.status}>
      <ol className="pub-steps" aria-label="Publication steps">
        {PUBLICATION_STEPS.map((step, i) => {
          const state = pub.status === "submitted" || i < current ? "done" : i === current ? (failed ? "failed" : "active") : "todo";
          return (
            <li key={step.status} className={`step-${state}`} aria-current={i === current && !final ? "step" : undefined}>
              {step.label}{state === "done" && <span className="sr-only"> (done)</span>}
              {state === "failed" && <span className="sr-only"> (failed)</span>}
            </li>
          );
        })}
      </ol>
      <p aria-live="polite">
        {pub.status === "queued" && "Queued for publishing…"}
        {pub.status === "packaging" && "Writing the release package (DDEX ERN 4.3)…"}
        {pub.status === "sending" && "Sending the release to the distributor…"}
        {pub.status === "submitted" && <>Submitted to the distributor{pub.distributor_status ? ` (${pub.distributor_status})` : ""}.</>}
        {pub.status === "failed_retrying" && (
          <span className="notice">
            Attempt {pub.attempts} of {pub.max_attempts} failed: {pub.last_error ?? "no reason given"}. Next try {when(pub.next_try_at)}.
          </span>
        )}
        {pub.status === "failed" && <span className="error-text">Publishing failed: {pub.reason ?? pub.last_error ?? "no reason given"}</span>}
      </p>
      {Object.keys(pub.steps ?? {}).length > 0 && (
        <p className="muted small" data-testid="publication-done">
          Done: {Object.entries(pub.steps).map(([step, at]) => `${DONE[step] ?? step} (${when(at)})`).join(", ")}
        </p>
      )}
      {pub.isrc && <p className="small">ISRC <code>{pub.isrc}</code></p>}
      {pub.status === "failed" && (
        <button type="button" className="btn" onClick={() => retry.mutate()} disabled={retry.isPending}>
          {retry.isPending ? "Retrying…" : "Retry"}
        </button>
      )}
      {retry.error && <p className="error-text" role="alert">{retry.error.message}</p>}
      {pub.package_files?.length > 0 && (
        <>
          <h4>Release package</h4>
          <ul aria-label="Release package files">
            {pub.package_files.map((f) => <li key={f.name}><a href={f.url} download={f.name.split("/").pop()}>{f.name}</a></li>)}
          </ul>
        </>
      )}
    </div>
  );
}

export function PublishPanel({ take, projectName }: { take: Take; projectName: string }) {
  const session = useSession();
  const publish = usePublish(take.project_id, take.take_id);
  const artworks = useArtworks();
  const [title, setTitle] = useState(projectName);
  const [artist, setArtist] = useState(session?.name ?? "");
  const [genre, setGenre] = useState("");
  const [date, setDate] = useState(today);
  const [isrc, setIsrc] = useState("");
  const [artworkId, setArtworkId] = useState("");
  const [tried, setTried] = useState(false);
  const published = Boolean(take.publication) || publish.isSuccess;
  if (published) {
    return (
      <section aria-label="Publication">
        <h4>Publication</h4>
        <PublicationView projectId={take.project_id} takeId={take.take_id} />
      </section>
    );
  }
  const isrcOk = !isrc.trim() || ISRC.test(cleanIsrc(isrc));
  const ok = title.trim() && genre.trim() && isrcOk;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!ok) return;
    publish.mutate({
      title: title.trim(), genre: genre.trim(), release_date: date || undefined,
      ...(artist.trim() ? { artist: artist.trim() } : {}),
      ...(isrc.trim() ? { isrc: cleanIsrc(isrc) } : {}),
      ...(artworkId ? { artwork_id: artworkId } : {}),
    });
  };
  const items = artworks.data?.items.filter((a) => a.status === "ok" || a.status === "partial") ?? [];
  return (
    <section aria-labelledby={`publish-${take.take_id}`}>
      <h4 id={`publish-${take.take_id}`}>Publish this take</h4>
      <form className="form" onSubmit={submit} noValidate aria-label="Publish">
        <div className="field-row">
          <label>Title<input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required
            aria-invalid={tried && !title.trim()} /></label>
          <label>Artist name<input value={artist} onChange={(e) => setArtist(e.target.value)} maxLength={200} /></label>
          <label>Genre<input value={genre} onChange={(e) => setGenre(e.target.value)} maxLength={60} required
            aria-invalid={tried && !genre.trim()} /></label>
          <label>Release date<input type="date" value={date} onChange={(e) => setDate(e.target.value)} /></label>
          <label>ISRC <span className="muted">(optional)</span>
            <input value={isrc} onChange={(e) => setIsrc(e.target.value)} placeholder="CC-XXX-YY-NNNNN" aria-invalid={!isrcOk} />
          </label>
          <label>Artwork
            <select value={artworkId} onChange={(e) => setArtworkId(e.target.value)}>
              <option value="">None: draw an offline cover</option>
              {items.map((a) => <option key={a.artwork_id} value={a.artwork_id}>{a.title || a.prompt}</option>)}
            </select>
          </label>
        </div>
        {!isrcOk && <p className="error-text small">An ISRC is 12 characters: country, registrant, year, number (e.g. ZZSMD2600003).</p>}
        {tried && (!title.trim() || !genre.trim()) && <p className="error-text small">A release needs a title and a genre.</p>}
        {publish.error && <p className="error-text" role="alert">{publish.error.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={publish.isPending}>{publish.isPending ? "Publishing…" : "Publish"}</button>
        </div>
      </form>
    </section>
  );
}
