/**
 * One project: its ten reference songs (added, identified, matched), the generate panel, and
 * the takes with their provenance and publication. Polled while anything is in progress.
 */
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useDeleteProject, useProject } from "../api/generation";
import { ConfirmDialog } from "../components/Dialog";
import { EmptyState, ErrorState, ProgressBar, Spinner } from "../components/States";
import { AddSongs, MAX_SONGS } from "./AddSongs";
import { GeneratePanel } from "./GeneratePanel";
import { matchedCount, SongRow } from "./Songs";
import { TakeCard } from "./Takes";

export function ProjectPage() {
  const { projectId = "" } = useParams();
  const project = useProject(projectId);
  const remove = useDeleteProject();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  if (project.isPending) return <Spinner label="Loading the project" />;
  if (project.error) {
    return (
      <>
        <Link className="back" to="/generation">← Projects</Link>
        <ErrorState title="Cannot load the project" error={project.error} onRetry={() => void project.refetch()} />
      </>
    );
  }
  const detail = project.data;
  const { songs, takes } = detail;
  const matched = matchedCount(songs);
  const identifyJob = detail.identify_job;
  const identifying = identifyJob && (identifyJob.status === "queued" || identifyJob.status === "running");
  return (
    <>
      <Link className="back" to="/generation">← Projects</Link>
      <header className="page-head section-head">
        <div>
          <h1>{detail.project.name}</h1>
          <p className="gen-counter" aria-live="polite" data-testid="matched-counter">
            {matched} of {MAX_SONGS} matched{songs.length !== MAX_SONGS ? ` · ${songs.length} of ${MAX_SONGS} songs added` : ""}
          </p>
        </div>
        <button type="button" className="btn btn-ghost" onClick={() => setConfirming(true)}>Delete project</button>
      </header>
      {!detail.ready && detail.refusal && (
        <p className="card gen-refusal" data-testid="refusal"><strong>Not ready to generate:</strong> {detail.refusal}</p>
      )}
      {identifying && (
        <ProgressBar value={identifyJob.status === "queued" ? null : identifyJob.percent} label={`Identifying songs: ${identifyJob.stage}`} />
      )}
      <section aria-labelledby="songs-title">
        <h2 id="songs-title">The ten songs</h2>
        {songs.length === 0
          ? <EmptyState title="No songs yet"><p>Drop ten audio files below, or add tracks from your library.</p></EmptyState>
          : <ul className="gen-list" aria-label="Reference songs">{songs.map((s) => <SongRow key={s.song_id} song={s} projectId={projectId} />)}</ul>}
      </section>
      <AddSongs projectId={projectId} trackIds={songs.map((s) => s.track_id)} />
      <GeneratePanel detail={detail} />
      <section aria-labelledby="takes-title">
        <h2 id="takes-title">Takes</h2>
        {takes.length === 0
          ? <EmptyState title="No takes yet"><p>Generate one above; every take keeps its seed.</p></EmptyState>
          : <ul className="gen-list" aria-label="Takes">{takes.map((t) => <TakeCard key={t.take_id} take={t} projectName={detail.project.name} />)}</ul>}
      </section>
      {confirming && (
        <ConfirmDialog title="Delete this project?" confirm="Delete" busy={remove.isPending} error={remove.error}
          onClose={() => setConfirming(false)}
          onConfirm={() => remove.mutate(projectId, { onSuccess: () => navigate("/generation") })}>
          <p>Its songs stay in your library; its takes are deleted. Published releases are not withdrawn.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
