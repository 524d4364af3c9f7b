/**
 * Match a song by hand: search a catalog by title, artist or ISRC (debounced) and choose. The
 * local catalog always; Apple Music beside it when its keys are configured. An Apple Music song
 * whose rights holders the platform does not know can be chosen, and then waits for a royalty
 * admin to add them.
 */
import { useState } from "react";
import { useCatalogSearch, useCatalogSources, useExternalSearch, type Song } from "../api/generation";
import { Spinner } from "../components/States";
import { useDebounced } from "../lib/useDebounced";
import { Modal } from "./Modal";

export const SEARCH_DEBOUNCE_MS = 300;
const SOURCE_NAMES: Record<string, string> = { local: "Platform catalog", "apple-music": "Apple Music" };

interface Row { recording_id: string; title: string; artists: string[]; isrc: string | null; rights: string | null }

export function MatchDialog({ song, busy, error, onChoose, onClose }: {
  song: Song;
  busy: boolean;
  error: Error | null;
  onChoose: (recordingId: string) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState(song.title);
  const [source, setSource] = useState("local");
  const q = useDebounced(text, SEARCH_DEBOUNCE_MS);
  const sources = (useCatalogSources().data?.sources ?? ["local"]).filter((s) => s in SOURCE_NAMES);
  const local = useCatalogSearch(source === "local" ? q : "");
  const named = useExternalSearch(source, q);
  const search = source === "local" ? local : named;
  const rows: Row[] = source === "local"
    ? (local.data?.items ?? []).map((i) => ({
      ...i, rights: Object.entries(i.holders).map(([h, s]) => `${i.holder_names?.[h] ?? h} ${s}`).join(", ") }))
    : (named.data?.items ?? []).map((i) => ({
      ...i, rights: i.rights === "known" ? Object.entries(i.holders).map(([h, s]) => `${i.holder_names?.[h] ?? h} ${s}`).join(", ") : null }));
  const catalogName = SOURCE_NAMES[source] ?? source;
  return (
    <Modal title={`Match “${song.title}” by hand`} onClose={onClose} wide>
      <div className="form">
        {sources.length > 1 && (
          <fieldset className="source-choice">
            <legend>Catalog</legend>
            {sources.map((s) => (
              <label key={s}>
                <input type="radio" name="catalog-source" value={s} checked={source === s} onChange={() => setSource(s)} />
                {SOURCE_NAMES[s]}
              </label>
            ))}
          </fieldset>
        )}
        <label>Search {source === "local" ? "the catalog" : catalogName} <span className="muted">(title, artist or ISRC)</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
        </label>
        {q.trim().length < 2 && <p className="muted">Type at least two characters.</p>}
        {search.isFetching && <Spinner label="Searching" />}
        {search.error && <p className="error-text" role="alert">{search.error.message}</p>}
        {search.data && !rows.length && <p className="muted">Nothing in {catalogName} matches “{q.trim()}”.</p>}
        {rows.length > 0 && (
          <ul className="candidates" aria-label={`${catalogName} results`}>
            {rows.map((item) => (
              <li key={item.recording_id}>
                <span>
                  <strong>{item.title}</strong> — {item.artists.join(", ")}{" "}
                  <span className="muted">{item.isrc ?? "no ISRC"}
                    {item.rights ? ` · ${item.rights}` : ""}
                  </span>
                  {item.rights === null && (
                    <span className="badge badge-warn">rights holders unknown: a royalty admin must add them</span>
                  )}
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
