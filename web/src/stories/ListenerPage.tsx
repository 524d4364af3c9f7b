/**
 * The listener collage: five songs (title, artist, mood, an optional cover) become one
 * shareable 9:16 picture. "Connect Spotify" takes the listener's top five instead: Spotify
 * sends them back here with a code (OAuth with PKCE; the verifier stays on the server).
 */
import { useEffect, useId, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { useTracks } from "../api/hooks";
import { uploadReference } from "../api/studio";
import { stories, type ListenerCollage, type ListenerSongInput } from "./api";

const EMPTY: ListenerSongInput = { title: "", artist: "", mood: "" };
const STATE_KEY = "stories-spotify-state";

export function ListenerPage() {
  const id = useId();
  const [songs, setSongs] = useState<ListenerSongInput[]>(Array.from({ length: 5 }, () => ({ ...EMPTY })));
  const [covers, setCovers] = useState<(File | null)[]>([null, null, null, null, null]);
  const [made, setMade] = useState<ListenerCollage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState<string[]>(["", "", "", "", ""]);  // library track ids by row
  const library = useTracks({});
  const tracks = library.data?.pages.flatMap((p) => p.items) ?? [];
  const ready = songs.every((s, i) => s.title.trim() || picked[i]);
  const [params, setParams] = useSearchParams();
  const handled = useRef(false);

  useEffect(() => {
    const code = params.get("code");
    const state = params.get("state");
    if (handled.current || !state || (!code && !params.get("error"))) return;
    handled.current = true;
    setParams({}, { replace: true });
    if (!code || sessionStorage.getItem(STATE_KEY) !== state) {
      setError(code ? "This Spotify sign-in was not started here." : `Spotify said no: ${params.get("error")}`);
      return;
    }
    sessionStorage.removeItem(STATE_KEY);
    setBusy(true);
    stories.spotifyCollage(code, state).then(setMade, (err: Error) => setError(err.message)).finally(() => setBusy(false));
  }, [params, setParams]);

  async function connect() {
    setError(null);
    try {
      const { url, state } = await stories.spotifyAuthorize(`${window.location.origin}/stories/listener`);
      sessionStorage.setItem(STATE_KEY, state);
      window.location.assign(url);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function make() {
    setBusy(true);
    setError(null);
    try {
      const typed = songs.map((s, i) => ({ s, i })).filter(({ i }) => !picked[i]);
      const withCovers = await Promise.all(typed.map(async ({ s, i }) => (covers[i] ? { ...s, cover_key: await uploadReference(covers[i]!) } : s)));
      setMade(await stories.listener(withCovers, picked.filter(Boolean)));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Your top 5 as a collage</h2>
      <p>
        <button type="button" className="btn" onClick={() => void connect()} disabled={busy}>Connect Spotify</button>{" "}
        <span className="muted">or type your five songs in:</span>
      </p>
      <form onSubmit={(e) => { e.preventDefault(); void make(); }}>
        <ol className="listener-songs">
          {songs.map((song, i) => (
            <li key={i}>
              {tracks.length > 0 && (
                <>
                  <label htmlFor={`${id}-l${i}`}>Song {i + 1} from the library</label>
                  <select id={`${id}-l${i}`} value={picked[i]} onChange={(e) => setPicked(picked.map((p, j) => (j === i ? e.target.value : p)))}>
                    <option value="">(type it in below)</option>
                    {tracks.map((t) => <option key={t.track_id} value={t.track_id}>{t.title}</option>)}
                  </select>
                </>
              )}
              <label htmlFor={`${id}-t${i}`}>Song {i + 1} title</label>
              <input id={`${id}-t${i}`} value={song.title} maxLength={120}
                onChange={(e) => setSongs(songs.map((s, j) => (j === i ? { ...s, title: e.target.value } : s)))} />
              <label htmlFor={`${id}-a${i}`}>Artist</label>
              <input id={`${id}-a${i}`} value={song.artist} maxLength={120}
                onChange={(e) => setSongs(songs.map((s, j) => (j === i ? { ...s, artist: e.target.value } : s)))} />
              <label htmlFor={`${id}-m${i}`}>Mood</label>
              <input id={`${id}-m${i}`} value={song.mood} maxLength={60} placeholder="sad, happy, dreamy…"
                onChange={(e) => setSongs(songs.map((s, j) => (j === i ? { ...s, mood: e.target.value } : s)))} />
              <label htmlFor={`${id}-c${i}`}>Cover (optional)</label>
              <input id={`${id}-c${i}`} type="file" accept="image/png,image/jpeg,image/webp"
                onChange={(e) => setCovers(covers.map((c, j) => (j === i ? e.target.files?.[0] ?? null : c)))} />
            </li>
          ))}
        </ol>
        {error && <p className="error-text" role="alert">{error}</p>}
        <button type="submit" className="btn" disabled={!ready || busy}>{busy ? "Making…" : "Make the collage"}</button>
      </form>
      {made && (
        <figure className="collage collage-story">
          <img src={made.url} alt="Your top 5 collage" data-testid="listener-collage" />
          <figcaption>
            {made.songs.map((s) => `${s.title} (${s.mood})`).join(" · ")} — <a href={made.url} download="my-top-5.png">Download to share</a>
          </figcaption>
        </figure>
      )}
    </section>
  );
}
