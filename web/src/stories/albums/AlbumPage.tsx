/** One album project: its plan (editable until generated), the director's templates, progress
 * per track while it is generated, one track's regeneration, and the built site. */
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { useJob } from "../../api/hooks";
import { ErrorState, ProgressBar, Spinner } from "../../components/States";
import { useAlbum, useGenerate, useRegenerate, useReplan, useSavePlan, useSaveTemplates, type Album, type Plan } from "./albums";

const SECTIONS = ["system", "concept", "soundscape", "tracks", "visuals", "output"] as const;

function PlanEditor({ album, initial }: { album: Album; initial: Plan }) {
  const [plan, setPlan] = useState<Plan>(initial);
  useEffect(() => setPlan(initial), [initial]);
  const save = useSavePlan(album.album_id);
  const locked = album.status === "generating" || album.status === "planning";
  const setTrack = (index: number, change: (t: Plan["tracks"][number]) => Plan["tracks"][number]) =>
    setPlan({ ...plan, tracks: plan.tracks.map((t, i) => (i === index ? change(t) : t)) });
  return (
    <form className="card form" aria-label="The plan" onSubmit={(e) => { e.preventDefault(); save.mutate(plan); }}>
      <h2>The plan</h2>
      <fieldset disabled={locked}>
        <label>Album title<input value={plan.title} maxLength={120} onChange={(e) => setPlan({ ...plan, title: e.target.value })} /></label>
        <label>Description<textarea rows={2} value={plan.description} maxLength={2000}
          onChange={(e) => setPlan({ ...plan, description: e.target.value })} /></label>
        <label>Visual style (every image)<input value={plan.visual_style} maxLength={500}
          onChange={(e) => setPlan({ ...plan, visual_style: e.target.value })} /></label>
        <label>Cover prompt<input value={plan.cover.image_prompt} maxLength={1000}
          onChange={(e) => setPlan({ ...plan, cover: { image_prompt: e.target.value } })} /></label>
        <ol className="album-tracks">
          {plan.tracks.map((t, i) => (
            <li key={i} className="card">
              <label>Title of track {i + 1}<input value={t.title} maxLength={120}
                onChange={(e) => setTrack(i, (x) => ({ ...x, title: e.target.value }))} /></label>
              <label>Story<textarea rows={2} value={t.description} maxLength={2000}
                onChange={(e) => setTrack(i, (x) => ({ ...x, description: e.target.value }))} /></label>
              <div className="album-row">
                <label>Tempo (BPM)<input type="number" value={t.soundscape.tempo_bpm}
                  onChange={(e) => setTrack(i, (x) => ({ ...x, soundscape: { ...x.soundscape, tempo_bpm: Number(e.target.value) } }))} /></label>
                <label>Key<input value={t.soundscape.key} maxLength={12}
                  onChange={(e) => setTrack(i, (x) => ({ ...x, soundscape: { ...x.soundscape, key: e.target.value } }))} /></label>
                <label>Mood<input value={t.soundscape.mood} maxLength={40}
                  onChange={(e) => setTrack(i, (x) => ({ ...x, soundscape: { ...x.soundscape, mood: e.target.value } }))} /></label>
                <label>Seconds<input type="number" value={t.seconds}
                  onChange={(e) => setTrack(i, (x) => ({ ...x, seconds: Number(e.target.value) }))} /></label>
              </div>
              <label>Instruments (comma-separated)<input value={t.soundscape.instrumentation.join(", ")}
                onChange={(e) => setTrack(i, (x) => ({ ...x, soundscape: { ...x.soundscape,
                  instrumentation: e.target.value.split(",").map((s) => s.trim()).filter(Boolean) } }))} /></label>
              <label>Image prompt<input value={t.image_prompt} maxLength={1000}
                onChange={(e) => setTrack(i, (x) => ({ ...x, image_prompt: e.target.value }))} /></label>
              <label>Music prompt<input value={t.music_prompt} maxLength={1000}
                onChange={(e) => setTrack(i, (x) => ({ ...x, music_prompt: e.target.value }))} /></label>
            </li>
          ))}
        </ol>
      </fieldset>
      {save.error && <p className="error-text" role="alert">{save.error.message}</p>}
      {save.isSuccess && !save.isPending && <p className="muted" role="status">Plan saved.</p>}
      <div className="form-actions">
        <button type="submit" className="btn" disabled={locked || save.isPending}>Save the plan</button>
      </div>
    </form>
  );
}

function Templates({ album }: { album: Album }) {
  const [text, setText] = useState<Record<string, string>>(album.templates);
  useEffect(() => setText(album.templates), [album.templates]);
  const save = useSaveTemplates(album.album_id);
  const replan = useReplan(album.album_id);
  return (
    <details className="card">
      <summary>The director&apos;s prompt templates ({album.director_engine})</summary>
      <form className="form" aria-label="Prompt templates" onSubmit={(e) => { e.preventDefault(); save.mutate(text); }}>
        {SECTIONS.map((name) => (
          <label key={name}>{name}
            <textarea rows={3} maxLength={4000} value={text[name] ?? ""} onChange={(e) => setText({ ...text, [name]: e.target.value })} />
          </label>
        ))}
        {(save.error ?? replan.error) && <p className="error-text" role="alert">{(save.error ?? replan.error)!.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn" disabled={save.isPending}>Save the templates</button>
          <button type="button" className="btn" disabled={replan.isPending || album.status === "generating" || album.status === "planning"}
            onClick={() => replan.mutate(undefined)}>Plan again</button>
        </div>
      </form>
    </details>
  );
}

function Progress({ album }: { album: Album }) {
  const { data: job } = useJob(album.job_id);
  const regenerate = useRegenerate(album.album_id);
  return (
    <section className="card" aria-labelledby="tracks-title">
      <h2 id="tracks-title">Tracks</h2>
      {job && album.status === "generating" && (
        <ProgressBar value={job.percent} label={`Generating: ${job.stage}`} />
      )}
      {job?.status === "failed" && <p className="error-text" role="alert">The run failed: {job.error}</p>}
      <ol className="album-progress">
        {(album.tracks ?? []).map((t) => (
          <li key={t.number} data-testid="track-state" data-status={t.status}>
            {t.image_url && <img src={t.image_url} alt={`Artwork for ${t.title}`} width={96} height={96} />}
            <div>
              <strong>{t.number}. {t.title}</strong> <span className={`badge badge-${t.status}`}>{t.status}</span>
              {t.error && <p className="error-text">{t.error}</p>}
              {t.audio_url && <audio controls preload="none" src={t.audio_url} aria-label={`Play ${t.title}`} />}
            </div>
            {album.status !== "generating" && (t.status === "failed" || t.status === "done") && (
              <button type="button" className="btn btn-ghost" disabled={regenerate.isPending}
                onClick={() => regenerate.mutate(t.number)}>Regenerate</button>
            )}
          </li>
        ))}
      </ol>
      {regenerate.error && <p className="error-text" role="alert">{regenerate.error.message}</p>}
    </section>
  );
}

export function AlbumPage() {
  const { albumId = "" } = useParams();
  const album = useAlbum(albumId);
  const generate = useGenerate(albumId);
  if (album.isPending) return <Spinner label="Loading the album" />;
  if (album.error) return <ErrorState title="Cannot load the album" error={album.error} onRetry={() => void album.refetch()} />;
  const a = album.data;
  const title = a.plan?.title ?? (a.status === "planning" ? "Planning…" : "No plan");
  return (
    <>
      <p><Link to="/albums">All albums</Link></p>
      <header className="page-head album-head">
        {a.cover_url && <img src={a.cover_url} alt={`Cover of ${title}`} width={160} height={160} />}
        <div>
          <h1>{title}</h1>
          <p className="muted">{a.concept}</p>
          <p>Director: <strong>{a.director_engine}</strong>{a.offline && " (the offline engine: lexicons and the studio's name engine)"} · {a.status}</p>
          {a.site_url && <p><a className="btn btn-primary" href={a.site_url}>Download the website (zip)</a></p>}
          {a.status === "planning" && <p role="status">The director ({a.director_engine}) is planning the album…</p>}
          {!a.plan && a.status === "failed" && <p className="error-text" role="alert">The director could not plan it: plan it again below.</p>}
          <button type="button" className="btn btn-primary" disabled={!a.plan || a.status === "generating" || a.status === "planning" || generate.isPending}
            onClick={() => generate.mutate(undefined)}>
            {a.status === "generating" ? "Generating…" : a.status === "built" ? "Generate again" : "Generate the album"}
          </button>
          {generate.error && <p className="error-text" role="alert">{generate.error.message}</p>}
        </div>
      </header>
      {a.tracks && a.job_id && <Progress album={a} />}
      {a.plan && <PlanEditor album={a} initial={a.plan} />}
      <Templates album={a} />
    </>
  );
}
