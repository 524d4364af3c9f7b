/** The artist's album projects, and the concept form that has the director plan a new one. */
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { useAlbums, useCreateAlbum } from "./albums";

export function AlbumsPage() {
  const albums = useAlbums();
  const create = useCreateAlbum();
  const navigate = useNavigate();
  const [concept, setConcept] = useState("");
  const [tracks, setTracks] = useState(5);
  const [seconds, setSeconds] = useState(30);
  const [genre, setGenre] = useState("");
  const [arc, setArc] = useState("");
  const [artistName, setArtistName] = useState("");
  const [useDna, setUseDna] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!concept.trim()) return;
    create.mutate({
      concept: concept.trim(), tracks, seconds, genre: genre.trim(), artist_name: artistName.trim(), use_artist_dna: useDna,
      mood_arc: arc.split(",").map((m) => m.trim()).filter(Boolean),
    }, { onSuccess: (album) => navigate(`/albums/${album.album_id}`) });
  };
  return (
    <>
      <header className="page-head">
        <h1>Albums</h1>
        <p className="muted">Describe a concept: the director plans the album (titles, stories, soundscapes, prompts),
          you edit the plan, then every track gets its image and music, the album a cover and a website.</p>
      </header>
      <form className="card form" onSubmit={submit} aria-label="Plan a new album">
        <label>Concept
          <textarea value={concept} onChange={(e) => setConcept(e.target.value)} maxLength={2000} rows={3}
            placeholder="A lighthouse keeper waits for a letter from her sister across a stormy sea." />
        </label>
        <div className="album-row">
          <label>Tracks
            <input type="number" min={1} max={12} value={tracks} onChange={(e) => setTracks(Number(e.target.value))} />
          </label>
          <label>Seconds per track
            <input type="number" min={30} max={180} step={10} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} />
          </label>
          <label>Genre (optional)
            <input value={genre} onChange={(e) => setGenre(e.target.value)} maxLength={60} placeholder="folk" />
          </label>
        </div>
        <div className="album-row">
          <label>Mood arc (optional, comma-separated)
            <input value={arc} onChange={(e) => setArc(e.target.value)} maxLength={400} placeholder="calm, dark, hopeful" />
          </label>
          <label>Artist name (optional)
            <input value={artistName} onChange={(e) => setArtistName(e.target.value)} maxLength={120} />
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={useDna} onChange={(e) => setUseDna(e.target.checked)} /> Style the visuals with my artistDNA
        </label>
        {create.error && <p className="error-text" role="alert">{create.error.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!concept.trim() || create.isPending}>
            {create.isPending ? "Planning…" : "Plan the album"}
          </button>
        </div>
      </form>
      <section aria-labelledby="albums-title">
        <h2 id="albums-title">Album projects</h2>
        {albums.isPending && <Spinner label="Loading albums" />}
        {albums.error && <ErrorState title="Cannot load the albums" error={albums.error} onRetry={() => void albums.refetch()} />}
        {albums.data && albums.data.items.length === 0 && (
          <EmptyState title="No albums yet"><p>Describe a concept above.</p></EmptyState>
        )}
        {albums.data && albums.data.items.length > 0 && (
          <ul className="album-list">
            {albums.data.items.map((a) => (
              <li key={a.album_id} className="card" data-testid="album">
                <Link to={`/albums/${a.album_id}`}><strong>{a.title ?? a.concept}</strong></Link>
                <span className="muted">{a.tracks} tracks · {a.status} · director: {a.director_engine}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
