/**
 * A new album: title, artist, description, cover (and up to three photos), then each song's
 * English lyrics, typed or from a .txt/.lrc file. One job writes every story and renders the
 * collages; its progress shows per song, and the album opens when it is done.
 */
import { useId, useState } from "react";
import { useNavigate } from "react-router";
import { useTracks } from "../api/hooks";
import { uploadReference } from "../api/studio";
import { FollowJob } from "../studio/StudioJob";
import { lyricFileText, stories, type SongInput } from "./api";

const MAX_SONGS = 30;

interface LibraryTrack { track_id: string; title: string }

function SongFields({ index, song, tracks, onChange, onRemove }: {
  index: number;
  song: SongInput;
  tracks: LibraryTrack[];
  onChange: (song: SongInput) => void;
  onRemove?: () => void;
}) {
  const id = useId();
  const [fileError, setFileError] = useState<string | null>(null);
  return (
    <fieldset className="song-fields" data-testid="song-fields">
      <legend>Song {index + 1}</legend>
      <label htmlFor={`${id}-title`}>Title</label>
      <input id={`${id}-title`} value={song.title} maxLength={120} onChange={(e) => onChange({ ...song, title: e.target.value })} />
      <label htmlFor={`${id}-lyrics`}>Lyrics (English)</label>
      <textarea id={`${id}-lyrics`} rows={6} value={song.lyrics ?? ""} maxLength={80_000} disabled={Boolean(song.track_id)}
        onChange={(e) => onChange({ ...song, lyrics: e.target.value })} />
      {tracks.length > 0 && (
        <>
          <label htmlFor={`${id}-track`}>…or what the audio lab heard on a library track</label>
          <select id={`${id}-track`} value={song.track_id ?? ""}
            onChange={(e) => onChange({ title: song.title, ...(e.target.value ? { track_id: e.target.value } : { lyrics: "" }) })}>
            <option value="">(type or upload the lyrics)</option>
            {tracks.map((t) => <option key={t.track_id} value={t.track_id}>{t.title}</option>)}
          </select>
        </>
      )}
      <label htmlFor={`${id}-file`}>…or a .txt / .lrc file</label>
      <input id={`${id}-file`} type="file" accept=".txt,.lrc" onChange={(e) => {
        const file = e.target.files?.[0];
        if (!file) return;
        lyricFileText(file).then((text) => { setFileError(null); onChange({ ...song, lyrics: text }); },
          (err: Error) => setFileError(err.message));
      }} />
      {fileError && <p className="error-text" role="alert">{fileError}</p>}
      {onRemove && <button type="button" className="btn btn-ghost" onClick={onRemove}>Remove song {index + 1}</button>}
    </fieldset>
  );
}

export function AlbumForm() {
  const id = useId();
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const [artist, setArtist] = useState("");
  const [description, setDescription] = useState("");
  const [cover, setCover] = useState<File | null>(null);
  const [songs, setSongs] = useState<SongInput[]>([{ title: "", lyrics: "" }]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const library = useTracks({});
  const tracks: LibraryTrack[] = library.data?.pages.flatMap((p) => p.items) ?? [];

  const problems = [
    !title.trim() && "the album needs a title",
    !artist.trim() && "the artist's name is missing",
    !cover && "choose the cover image",
    ...songs.map((s, i) => (!s.title.trim() ? `song ${i + 1} needs a title` : !s.lyrics?.trim() && !s.track_id ? `song ${i + 1} has no lyrics` : false)),
  ].filter(Boolean) as string[];

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const coverKey = await uploadReference(cover!);
      const job = await stories.start({ title, artist_name: artist, description, cover_key: coverKey, songs });
      setJobId(job.job_id);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (jobId) {
    return (
      <section aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Writing the stories of {title}</h2>
        <FollowJob jobId={jobId} always>
          {(job) => job.status === "succeeded"
            ? <button type="button" className="btn" onClick={() => navigate(`/stories/albums/${String(job.result.album_id)}`)}>Open the album</button>
            : null}
        </FollowJob>
      </section>
    );
  }

  return (
    <form className="album-form" aria-labelledby={`${id}-h`} onSubmit={(e) => { e.preventDefault(); void start(); }}>
      <h2 id={`${id}-h`}>A story and a collage for every song</h2>
      <label htmlFor={`${id}-title`}>Album title</label>
      <input id={`${id}-title`} value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor={`${id}-artist`}>Artist</label>
      <input id={`${id}-artist`} value={artist} maxLength={120} onChange={(e) => setArtist(e.target.value)} />
      <label htmlFor={`${id}-description`}>Description</label>
      <textarea id={`${id}-description`} rows={3} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
      <label htmlFor={`${id}-cover`}>Cover image</label>
      <input id={`${id}-cover`} type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => setCover(e.target.files?.[0] ?? null)} />
      {songs.map((song, i) => (
        <SongFields key={i} index={i} song={song} tracks={tracks}
          onChange={(next) => setSongs(songs.map((s, j) => (j === i ? next : s)))}
          onRemove={songs.length > 1 ? () => setSongs(songs.filter((_, j) => j !== i)) : undefined} />
      ))}
      <button type="button" className="btn btn-ghost" disabled={songs.length >= MAX_SONGS}
        onClick={() => setSongs([...songs, { title: "", lyrics: "" }])}>Add a song</button>
      {problems.length > 0 && <p className="muted" data-testid="album-problems">Before starting: {problems.join("; ")}.</p>}
      {error && <p className="error-text" role="alert">{error}</p>}
      <button type="submit" className="btn" disabled={busy || problems.length > 0}>Write the stories</button>
    </form>
  );
}
