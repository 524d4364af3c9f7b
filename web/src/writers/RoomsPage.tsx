/** The rooms the caller is a member of (one per show or team), and a form to open a new one. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { writers, writersKeys } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";

export function RoomsPage() {
  const rooms = useQuery({ queryKey: writersKeys.rooms, queryFn: ({ signal }) => writers.rooms(signal) });
  const client = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: ({ name, language }: { name: string; language: "de" | "en" }) => writers.createRoom(name, language),
    onSuccess: (room) => {
      void client.invalidateQueries({ queryKey: writersKeys.rooms });
      navigate(`/writers/${room.room_id}`);
    },
  });
  const [name, setName] = useState("");
  const [language, setLanguage] = useState<"de" | "en">("de");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean = name.trim();
    if (clean) create.mutate({ name: clean, language });
  };
  return (
    <>
      <header className="page-head">
        <h1>Writers&apos; room</h1>
        <p className="muted">A room holds one show&apos;s script archive: ask the archivist what happened (with episode and
          scene as proof), draft with the creative partner, keep notes, check a draft&apos;s continuity.</p>
      </header>
      <form className="card form" onSubmit={submit} aria-label="Create a room">
        <label>New room
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={120} placeholder="Unter Uns" />
        </label>
        <label>The archive&apos;s main language
          <select value={language} onChange={(e) => setLanguage(e.target.value as "de" | "en")}>
            <option value="de">German</option>
            <option value="en">English</option>
          </select>
        </label>
        {create.error && <p className="error-text" role="alert">{create.error.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || create.isPending}>
            {create.isPending ? "Creating…" : "Create room"}
          </button>
        </div>
      </form>
      <section aria-labelledby="rooms-title">
        <h2 id="rooms-title">Your rooms</h2>
        {rooms.isPending && <Spinner label="Loading the rooms" />}
        {rooms.error && <ErrorState title="Cannot load the rooms" error={rooms.error} onRetry={() => void rooms.refetch()} />}
        {rooms.data && rooms.data.items.length === 0 && (
          <EmptyState title="No rooms yet"><p>Create one above, or ask a room&apos;s admin to add you.</p></EmptyState>
        )}
        {rooms.data && rooms.data.items.length > 0 && (
          <ul className="gen-list">
            {rooms.data.items.map((r) => (
              <li key={r.room_id} className="card" data-testid="room">
                <Link to={`/writers/${r.room_id}`}><strong>{r.name}</strong></Link>
                <span className="muted"><span className="badge">{r.role}</span> {r.language === "de" ? "German" : "English"}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
