/**
 * The notes database: search, filter by tag, episode or character, and notes linked to episodes
 * and characters (a link filters the notes; a character also opens in the bible). Filters live
 * in the URL, so a link from elsewhere (`notes?character=Lena`) lands filtered.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useBible, writers, writersKeys, type Note, type NoteFilter } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { useDebounced } from "../lib/useDebounced";
import { draftOf, emptyForm, formOf, type NoteForm } from "./notes";

function NoteEditor({ roomId, note, onDone }: { roomId: string; note: Note | null; onDone: () => void }) {
  const client = useQueryClient();
  const bible = useBible(roomId);
  const [form, setForm] = useState<NoteForm>(note ? formOf(note) : emptyForm);
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (draft: ReturnType<typeof draftOf>) =>
      note ? writers.updateNote(roomId, note.note_id, draft) : writers.createNote(roomId, draft),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: writersKeys.allNotes(roomId) });
      setForm(emptyForm);
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    try {
      setProblem(null);
      save.mutate(draftOf(form));
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
  };
  const field = (name: keyof NoteForm) => ({ value: form[name], onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }) });
  return (
    <form className="card form" onSubmit={submit} aria-label={note ? "Edit the note" : "New note"}>
      <h2>{note ? "Edit the note" : "New note"}</h2>
      <label>Title <input {...field("title")} maxLength={200} required /></label>
      <label>Note <textarea {...field("body")} maxLength={20000} rows={4} /></label>
      <div className="field-row">
        <label>Tags <input {...field("tags")} placeholder="cliffhanger, wedding" /></label>
        <label>Episodes <input {...field("episodes")} placeholder="12, 14-16" inputMode="numeric" /></label>
        <label>Characters <input {...field("characters")} placeholder="Lena, Jonas" list="bible-characters" /></label>
      </div>
      <datalist id="bible-characters">{bible.data?.characters.map((c) => <option key={c.name} value={c.name} />)}</datalist>
      {(problem ?? save.error) && <p className="error-text" role="alert">{problem ?? save.error?.message}</p>}
      <div className="form-actions">
        {note && <button type="button" className="btn btn-ghost" onClick={onDone}>Cancel</button>}
        <button type="submit" className="btn btn-primary" disabled={!form.title.trim() || save.isPending}>
          {save.isPending ? "Saving…" : note ? "Save the note" : "Add note"}
        </button>
      </div>
    </form>
  );
}

export function NotesPanel({ roomId }: { roomId: string }) {
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const search = useDebounced(q.trim(), 250);
  const episode = params.get("episode");
  const filter: NoteFilter = {
    q: search || undefined, tag: params.get("tag") ?? undefined,
    episode: episode && /^\d+$/.test(episode) ? Number(episode) : undefined, character: params.get("character") ?? undefined,
  };
  const notes = useQuery({
    queryKey: writersKeys.notes(roomId, filter),
    queryFn: ({ signal }) => writers.notes(roomId, filter, signal),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (noteId: string) => writers.deleteNote(roomId, noteId),
    onSuccess: () => void client.invalidateQueries({ queryKey: writersKeys.allNotes(roomId) }),
  });
  const [editing, setEditing] = useState<Note | null>(null);
  const setFilter = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(name); else next.set(name, value);
    setParams(next);
  };
  const active = (["tag", "episode", "character"] as const).filter((n) => params.get(n));
  return (
    <div className="notes">
      <section aria-labelledby="notes-title">
        <h2 id="notes-title">Notes</h2>
        <div className="filters">
          <label className="filter-search">Search notes
            <input type="search" value={q} onChange={(e) => setQ(e.target.value)} maxLength={200} placeholder="words in title, text, tags, characters" />
          </label>
          {active.map((name) => (
            <span key={name} className="chip" data-testid="active-filter">{name}: {params.get(name)}
              <button type="button" className="chip-remove" aria-label={`Clear the ${name} filter`} onClick={() => setFilter(name, null)}>×</button>
            </span>
          ))}
        </div>
        {notes.data && Object.keys(notes.data.tags).length > 0 && (
          <ul className="wr-chips tag-cloud" aria-label="Tags">
            {Object.entries(notes.data.tags).map(([tag, n]) => (
              <li key={tag}><button type="button" className="suggestion" aria-pressed={params.get("tag") === tag}
                onClick={() => setFilter("tag", params.get("tag") === tag ? null : tag)}>#{tag} <span className="muted">{n}</span></button></li>
            ))}
          </ul>
        )}
        {notes.isPending && <Spinner label="Loading the notes" />}
        {notes.error && <ErrorState title="Cannot load the notes" error={notes.error} onRetry={() => void notes.refetch()} />}
        {remove.error && <p className="error-text" role="alert">{remove.error.message}</p>}
        {notes.data && notes.data.items.length === 0 && (
          <EmptyState title={search || active.length ? "No note matches" : "No notes yet"} />
        )}
        {notes.data && notes.data.items.length > 0 && (
          <>
            <p className="muted small" data-testid="notes-count">{notes.data.total} {notes.data.total === 1 ? "note" : "notes"}
              {notes.data.total > notes.data.items.length && `, the newest ${notes.data.items.length} shown`}</p>
            <ul className="gen-list note-list">
              {notes.data.items.map((n) => (
                <li key={n.note_id} className="card note" data-testid="note">
                  <div className="note-head">
                    <h3>{n.title}</h3>
                    <span className="muted small">{n.author} · {new Date(n.updated_at).toLocaleDateString()}</span>
                  </div>
                  {n.body && <p className="note-body">{n.body}</p>}
                  <ul className="wr-chips" aria-label="Links">
                    {n.episodes.map((e) => (
                      <li key={`e${e}`}><button type="button" className="chip" onClick={() => setFilter("episode", String(e))}>Ep. {e}</button></li>
                    ))}
                    {n.characters.map((c) => (
                      <li key={`c${c}`} className="chip">
                        <button type="button" className="link-button" onClick={() => setFilter("character", c)}>{c}</button>
                        <Link to={`/writers/${roomId}/bible?character=${encodeURIComponent(c)}`} aria-label={`${c} in the bible`} title="in the bible">↗</Link>
                      </li>
                    ))}
                    {n.tags.map((t) => (
                      <li key={`t${t}`}><button type="button" className="suggestion" onClick={() => setFilter("tag", t)}>#{t}</button></li>
                    ))}
                  </ul>
                  <div className="song-actions">
                    <button type="button" className="btn btn-small" onClick={() => setEditing(n)}>Edit</button>
                    <button type="button" className="btn btn-small btn-danger" onClick={() => remove.mutate(n.note_id)}
                      aria-label={`Delete ${n.title}`}>Delete</button>
                  </div>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <NoteEditor key={editing?.note_id ?? "new"} roomId={roomId} note={editing} onDone={() => setEditing(null)} />
    </div>
  );
}
