/**
 * The project's reference songs: one row per song with where its identification stands, and
 * the ways to fix it (confirm a candidate, match by hand, identify again, remove).
 */
import { useState } from "react";
import { Link } from "react-router";
import {
  useIdentifySong, useMatchSong, useRemoveSong, type Match, type Song,
} from "../api/generation";
import { isRoyaltyAdmin, useSession } from "../auth/session";
import { MatchDialog } from "./MatchDialog";

const percent = (confidence: number | null | undefined) =>
  typeof confidence === "number" ? `${Math.round(confidence * 100)} %` : "–";

function StatusBadge({ song }: { song: Song }) {
  switch (song.status) {
    case "identifying":
      return <span className="song-status" role="status"><span className="spinner spinner-small" aria-hidden="true" />Identifying…</span>;
    case "matched":
      return <span className="badge badge-ok">Matched{song.match?.by === "hand" ? " by hand" : ""}</span>;
    case "doubtful":
      return <span className="badge badge-warn">Doubtful: confirm a candidate</span>;
    case "unmatched":
      return <span className="badge badge-warn">Not found in the catalog</span>;
    case "failed":
      return <span className="badge badge-error">Failed</span>;
    case "needs_rights":
      return <span className="badge badge-warn">Waiting for rights holders</span>;
  }
}

function Holders({ match }: { match: Match }) {
  const entries = Object.entries(match.holders);
  if (!entries.length) return null;
  return (
    <>
      <dt>Rights holders</dt>
      <dd>{entries.map(([id, share]) => `${match.holder_names?.[id] ?? id} ${share}`).join(", ")}</dd>
    </>
  );
}

/** A royalty admin goes to the rights form; anyone else is told who must act. */
function RightsAction({ recordingId }: { recordingId: string }) {
  const admin = isRoyaltyAdmin(useSession());
  return admin
    ? <Link className="btn btn-small btn-primary" to={`/generation/rights?recording=${encodeURIComponent(recordingId)}`}>Add its rights holders</Link>
    : <span data-testid="rights-who">A royalty admin must add its rights holders and shares; then check again.</span>;
}

export function SongRow({ song, projectId }: { song: Song; projectId: string }) {
  const match = useMatchSong(projectId);
  const identify = useIdentifySong(projectId);
  const remove = useRemoveSong(projectId);
  const [byHand, setByHand] = useState(false);
  const error = match.error ?? identify.error ?? remove.error;
  const busy = match.isPending || identify.isPending || remove.isPending;
  return (
    <li className="card song" data-testid="song" data-status={song.status}>
      <div>
        <h3><Link to={`/tracks/${song.track_id}`}>{song.title}</Link></h3>
        <StatusBadge song={song} />
      </div>
      <div className="song-actions">
        <button type="button" className="btn btn-small" onClick={() => setByHand(true)} disabled={busy}
          aria-label={`Match ${song.title} by hand`}>Match by hand</button>
        <button type="button" className="btn btn-small" onClick={() => identify.mutate(song.song_id)}
          disabled={busy || song.status === "identifying"} aria-label={`Identify ${song.title} again`}>Identify again</button>
        <button type="button" className="btn btn-small btn-danger" onClick={() => remove.mutate(song.song_id)}
          disabled={busy} aria-label={`Remove ${song.title}`}>Remove</button>
      </div>
      {song.status === "matched" && song.match && (
        <dl className="song-detail" data-testid="song-match">
          <dt>Catalog</dt><dd>{song.match.title} — {song.match.artists.join(", ")}</dd>
          <dt>ISRC</dt><dd>{song.match.isrc ?? "none"}</dd>
          <dt>Confidence</dt><dd>{song.match.by === "hand" ? "chosen by hand" : percent(song.match.confidence)}</dd>
          <Holders match={song.match} />
        </dl>
      )}
      {song.status === "doubtful" && (
        <ul className="candidates" aria-label={`Candidates for ${song.title}`}>
          {song.candidates.map((c) => (
            <li key={c.recording_id}>
              <span>{c.title} — {c.artists.join(", ")} <span className="muted">{c.isrc ?? ""} · {percent(c.confidence)}</span></span>
              <button type="button" className="btn btn-small btn-primary" disabled={busy}
                onClick={() => match.mutate({ songId: song.song_id, recordingId: c.recording_id })}
                aria-label={`Confirm ${c.title} for ${song.title}`}>Confirm</button>
            </li>
          ))}
        </ul>
      )}
      {song.status === "unmatched" && (
        <p className="song-detail">{song.error ?? "No catalog recording sounds close enough."} Match it by hand, or remove it.</p>
      )}
      {song.status === "needs_rights" && song.external && (
        <p className="song-detail" data-testid="song-external">
          {song.external.source === "apple-music" ? "Apple Music" : "MusicBrainz"}: {song.external.title} — {song.external.artists.join(", ")}
          {" "}({song.external.isrc ?? "no ISRC"}). {song.error}{" "}
          <RightsAction recordingId={song.external.recording_id} />{" "}
          <button type="button" className="btn btn-small" disabled={busy}
            onClick={() => match.mutate({ songId: song.song_id, recordingId: song.external!.recording_id })}
            aria-label={`Check the rights of ${song.title} again`}>Check again</button>
        </p>
      )}
      {song.status === "failed" && <p className="song-detail error-text">{song.error ?? "Identification failed."}</p>}
      {error && <p className="song-detail error-text" role="alert">{error.message}</p>}
      {byHand && (
        <MatchDialog song={song} busy={match.isPending} error={match.error}
          onChoose={(recordingId) => match.mutate({ songId: song.song_id, recordingId }, { onSuccess: () => setByHand(false) })}
          onClose={() => setByHand(false)} />
      )}
    </li>
  );
}

export function matchedCount(songs: Song[]) {
  return songs.filter((s) => s.status === "matched").length;
}
