/**
 * Adding reference songs: files dropped here go through the app's upload queue and join the
 * project as soon as each becomes a library track; tracks already in the library are picked
 * from a list. The project takes at most ten.
 */
import { useEffect, useRef, useState } from "react";
import { useAddSongs } from "../api/generation";
import { useTracks } from "../api/hooks";
import { DropZone } from "../components/DropZone";
import { Spinner } from "../components/States";
import { useDebounced } from "../lib/useDebounced";
import { useUploads } from "../upload/context";
import { Modal } from "./Modal";

export const MAX_SONGS = 10;

// Uploads outlive the page (the queue is app-wide): remember which ones are meant for which
// project, so coming back to it still adds them.
const pendingKey = (projectId: string) => `soundmosaic.generation.pending.${projectId}`;

function readPending(projectId: string): string[] {
  try {
    const stored = JSON.parse(sessionStorage.getItem(pendingKey(projectId)) ?? "[]") as unknown;
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function usePendingUploads(projectId: string) {
  const [pending, setPending] = useState(() => readPending(projectId));
  useEffect(() => {
    if (pending.length) sessionStorage.setItem(pendingKey(projectId), JSON.stringify(pending));
    else sessionStorage.removeItem(pendingKey(projectId));
  }, [pending, projectId]);
  return [pending, setPending] as const;
}

export function AddSongs({ projectId, trackIds }: { projectId: string; trackIds: string[] }) {
  const { queue, items } = useUploads();
  const add = useAddSongs(projectId);
  const [pending, setPending] = usePendingUploads(projectId);
  const [notice, setNotice] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const sent = useRef(new Set<string>());
  const mine = items.filter((item) => pending.includes(item.id));
  const room = MAX_SONGS - trackIds.length - mine.length;

  // Each upload that became a track joins the project once; failed ones are let go.
  useEffect(() => {
    const ready = mine.filter((item) => item.trackId && !sent.current.has(item.id));
    const gone = mine.filter((item) => item.phase === "failed" || item.phase === "cancelled");
    if (ready.length) {
      ready.forEach((item) => sent.current.add(item.id));
      add.mutate(ready.map((item) => item.trackId!));
    }
    // ids the queue no longer has (dismissed, or the page was reloaded) are let go too
    const known = new Set(items.map((item) => item.id));
    const lost = pending.filter((id) => !known.has(id));
    if (ready.length || gone.length || lost.length) {
      const done = new Set([...ready, ...gone].map((item) => item.id).concat(lost));
      setPending((ids) => ids.filter((id) => !done.has(id)));
    }
  }, [mine, items, pending, add, setPending]);

  const onFiles = (files: File[]) => {
    const take = files.slice(0, Math.max(room, 0));
    setNotice(take.length < files.length
      ? `A project holds ${MAX_SONGS} songs: ${files.length - take.length} of the files were left out.`
      : null);
    if (take.length) {
      const ids = queue.add(take);
      setPending((old) => [...old, ...ids]);
    }
  };

  return (
    <section className="card" aria-labelledby="add-songs-title">
      <div className="section-head">
        <h2 id="add-songs-title">Add songs</h2>
        <button type="button" className="btn" onClick={() => setPicking(true)} disabled={room <= 0}>Add from library</button>
      </div>
      {room > 0
        ? <DropZone onFiles={onFiles}><p className="muted small">They join this project once uploaded ({room} more {room === 1 ? "song" : "songs"} fit).</p></DropZone>
        : <p className="muted">The project has its ten songs. Remove one to add another.</p>}
      {notice && <p className="notice" role="status">{notice}</p>}
      {mine.length > 0 && (
        <ul className="gen-list" aria-label="Uploads for this project">
          {mine.map((item) => (
            <li key={item.id} data-testid="pending-upload">
              <span>{item.name}</span>
              <span className="muted">{item.phase === "ready" ? "adding to the project" : item.phase}</span>
            </li>
          ))}
        </ul>
      )}
      {add.error && <p className="error-text" role="alert">Could not add the songs: {add.error.message}</p>}
      {picking && (
        <LibraryPicker exclude={trackIds} room={room} busy={add.isPending} onClose={() => setPicking(false)}
          onAdd={(ids) => add.mutate(ids, { onSuccess: () => setPicking(false) })} error={add.error} />
      )}
    </section>
  );
}

function LibraryPicker({ exclude, room, busy, error, onAdd, onClose }: {
  exclude: string[];
  room: number;
  busy: boolean;
  error: Error | null;
  onAdd: (trackIds: string[]) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState("");
  const q = useDebounced(text, 300);
  const tracks = useTracks({ q: q.trim() || undefined });
  const [chosen, setChosen] = useState<string[]>([]);
  const list = (tracks.data?.pages.flatMap((p) => p.items) ?? []).filter((t) => !exclude.includes(t.track_id));
  const toggle = (id: string) =>
    setChosen((old) => (old.includes(id) ? old.filter((x) => x !== id) : old.length < room ? [...old, id] : old));
  return (
    <Modal title="Add songs from your library" onClose={onClose} wide>
      <div className="form">
        <label>Search the library<input type="search" value={text} onChange={(e) => setText(e.target.value)} autoFocus /></label>
        <p className="muted" aria-live="polite">{chosen.length} chosen · {room - chosen.length} more fit</p>
        {tracks.isPending && <Spinner label="Loading your tracks" />}
        {tracks.error && <p className="error-text" role="alert">{tracks.error.message}</p>}
        {tracks.data && !list.length && <p className="muted">No tracks to add{q.trim() ? ` for “${q.trim()}”` : ""}.</p>}
        {list.length > 0 && (
          <fieldset className="gen-list">
            <legend className="sr-only">Tracks</legend>
            {list.map((t) => (
              <label key={t.track_id} className="switch">
                <input type="checkbox" checked={chosen.includes(t.track_id)} onChange={() => toggle(t.track_id)}
                  disabled={!chosen.includes(t.track_id) && chosen.length >= room} />
                {t.title}{t.artist_name ? ` — ${t.artist_name}` : ""}
              </label>
            ))}
          </fieldset>
        )}
        {tracks.hasNextPage && (
          <button type="button" className="btn btn-ghost" onClick={() => void tracks.fetchNextPage()} disabled={tracks.isFetchingNextPage}>
            More tracks
          </button>
        )}
        {error && <p className="error-text" role="alert">{error.message}</p>}
        <div className="dialog-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>Cancel</button>
          <button type="button" className="btn btn-primary" disabled={!chosen.length || busy} onClick={() => onAdd(chosen)}>
            {busy ? "Adding…" : `Add ${chosen.length} ${chosen.length === 1 ? "song" : "songs"}`}
          </button>
        </div>
      </div>
    </Modal>
  );
}
