/**
 * One album: the contact sheet, then every song's story with the lyric lines it quotes, the
 * songs it continues (links within the page), its mood and motifs, and its two collages, each
 * with a button that picks it into the artistDNA.
 */
import { useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorState, Spinner } from "../components/States";
import { stories, useAlbum, useAlbums as useAlbumsQuery, type AlbumSong } from "./api";

function Pick({ albumId, song, format }: { albumId: string; song: AlbumSong; format: "square" | "story" }) {
  const [state, setState] = useState<string | null>(null);
  return (
    <>
      <button type="button" className="btn btn-ghost" onClick={() => {
        setState("Picking…");
        stories.pick(albumId, song.index, format).then((r) => setState(`In artistDNA version ${r.dna_version}`),
          (err: Error) => setState(`Not picked: ${err.message}`));
      }}>Pick the {format === "square" ? "square" : "9:16"} collage of {song.title}</button>
      {state && <span className="muted" aria-live="polite">{state}</span>}
    </>
  );
}

function SongStory({ albumId, song }: { albumId: string; song: AlbumSong }) {
  return (
    <article className="song-story" id={`song-${song.index + 1}`} data-testid="song-story">
      <h3>{song.index + 1}. {song.title}</h3>
      {song.status === "queued" && <p className="muted">Being written…</p>}
      {song.status === "failed" && <p className="error-text">This song failed: {song.error}</p>}
      {song.story && (
        <>
          <p className="story-text">{song.story}</p>
          <p className="muted">
            {song.mood} · {song.arc_position} of the album · written by <code>{song.engine}</code>
            {song.motifs?.length ? <> · motifs: {song.motifs.slice(0, 5).join(", ")}</> : null}
          </p>
          {song.quotes && song.quotes.length > 0 && (
            <figure>
              <figcaption>Lines it draws on</figcaption>
              <ul className="quotes">{song.quotes.map((q) => <li key={q}><q>{q}</q></li>)}</ul>
            </figure>
          )}
          {song.continues && song.continues.length > 0 && (
            <p>Continues{" "}
              {song.continues.map((c, i) => (
                <span key={c.index}>{i > 0 && ", "}<a href={`#song-${c.index + 1}`}>{c.title}</a> ({c.shared.join(", ")})</span>
              ))}
            </p>
          )}
        </>
      )}
      <div className="collages">
        {(["square", "story"] as const).map((format) => song.collages[format] && (
          <figure key={format} className={`collage collage-${format}`}>
            <img src={song.collages[format]} alt={`${format === "square" ? "Square" : "9:16"} collage for ${song.title}`} loading="lazy" />
            <figcaption>
              <a href={song.collages[format]} download>Download</a>{" "}
              <Pick albumId={albumId} song={song} format={format} />
            </figcaption>
          </figure>
        ))}
      </div>
    </article>
  );
}

export function AlbumPage() {
  const { albumId = "" } = useParams();
  const album = useAlbum(albumId);
  if (album.isLoading) return <Spinner label="Loading the album" />;
  if (album.error) return <ErrorState title="The album could not be loaded" error={album.error} onRetry={() => void album.refetch()} />;
  const a = album.data!;
  return (
    <section className="album" aria-labelledby="album-title">
      <h2 id="album-title">{a.title} <span className="muted">by {a.artist_name}</span></h2>
      {a.description && <p>{a.description}</p>}
      {!a.finished && <p className="muted" aria-live="polite">Still writing: the songs fill in as they are done.</p>}
      {a.contact_sheet_url && (
        <figure className="contact-sheet">
          <img src={a.contact_sheet_url} alt={`Contact sheet of ${a.title}`} data-testid="contact-sheet" />
          <figcaption><a href={a.contact_sheet_url} download>Download the contact sheet</a></figcaption>
        </figure>
      )}
      {a.songs.map((song) => <SongStory key={song.index} albumId={a.album_id} song={song} />)}
      <p><Link to="/stories/albums">All albums</Link></p>
    </section>
  );
}

export function AlbumsPage() {
  const { albumId } = useParams();
  if (albumId) return <AlbumPage />;
  return <AlbumList />;
}

function AlbumList() {
  const { data, isLoading, error, refetch } = useAlbumsQuery();
  if (isLoading) return <Spinner label="Loading albums" />;
  if (error) return <ErrorState title="Albums could not be loaded" error={error} onRetry={() => void refetch()} />;
  if (!data?.length) return <p className="muted">No albums yet. <Link to="/stories/new">Start one</Link>.</p>;
  return (
    <ul className="album-list">
      {data.map((a) => <li key={a.album_id}><Link to={`/stories/albums/${a.album_id}`}>{a.title}</Link> <span className="muted">{a.songs} songs</span></li>)}
    </ul>
  );
}
