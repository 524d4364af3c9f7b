/** Match a song by hand: search the catalog by title, artist or ISRC (debounced) and choose. */
import { useState } from "react";
import { useCatalogSearch, type Song } from "../api/generation";
import { Spinner } from "../components/States";
import { useDebounced } from "../lib/useDebounced";
import { Modal } from "./Modal";

export const SEARCH_DEBOUNCE_MS = 300;

export function MatchDialog({ song, busy, error, onChoose, onClose }: {
  song: Song;
  busy: boolean;
  error: Error | null;
  onChoose: (recordingId: string) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState(song.title);
  const q = useDebounced(text, SEARCH_DEBOUNCE_MS);
  const search = useCatalogSearch(q);
  const items = search.data?.items ?? [];
  return (
    <Modal title={`Match “${song.title}” by hand`} onClose={onClose} wide>
      <div className="form">
        <label>Search the catalog <span className="muted">(title, artist or ISRC)</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
        </label>
        {q.trim().length < 2 && <p className="muted">Type at least two characters.</p>}
        {search.isFetching && <Spinner label="Searching" />}
        {search.error && <p className="error-text" role="alert">{search.error.message}</p>}
        {search.data && !items.length && <p className="muted">Nothing in the catalog matches “{q.trim()}”.</p>}
        {items.length > 0 && (
          <ul className="candidates" aria-label="Catalog results">
            {items.map((item) => (
              <li key={item.recording_id}>
                <span>
                  <strong>{item.title}</strong> — {item.artists.join(", ")}{" "}
                  <span className="muted">{item.isrc ?? "no ISRC"}
                    {item.holders && ` · ${Object.entries(item.holders).map(([h, s]) => `${item.holder_names?.[h] ?? h} ${s}`).join(", ")}`}
                  </span>
                </span>
                <button type="button" className="btn btn-small btn-primary" disabled={busy}
                  onClick={() => onChoose(item.recording_id)} aria-label={`Choose ${item.title}`}>Choose</button>
              </li>
            ))}
          </ul>
        )}
        {error && <p className="error-text" role="alert">{error.message}</p>}
        <div className="dialog-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>Cancel</button>
        </div>
      </div>
    </Modal>
  );
}
