/**
 * The royalty admins' page (`/generation/rights`): the named catalogs' recordings that songs
 * wait on, each with its rights form. `?recording=<id>` (the project page's link) puts that
 * recording first. Others are told who acts; the API refuses them anyway (403).
 */
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { usePendingRights, type PendingRights, type RightsAdded } from "../api/generation";
import { isRoyaltyAdmin, useSession } from "../auth/session";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { RightsForm } from "./RightsForm";

const SOURCE = { "apple-music": "Apple Music", musicbrainz: "MusicBrainz" } as Record<string, string>;

function Recording({ recording, focused, onAdded }: { recording: PendingRights; focused: boolean; onAdded: (a: RightsAdded) => void }) {
  return (
    <li className={`card rights-card${focused ? " rights-focused" : ""}`} data-testid="pending-recording"
      aria-current={focused ? "true" : undefined}>
      <h3>{recording.title} — {recording.artists.join(", ")}</h3>
      <p className="muted">
        {SOURCE[recording.source] ?? recording.source} · ISRC {recording.isrc ?? "none"} · asked {recording.requested_at.slice(0, 10)}
        {recording.url && <> · <a href={recording.url} target="_blank" rel="noreferrer">open in {SOURCE[recording.source] ?? "the catalog"}</a></>}
      </p>
      <RightsForm recording={recording} onAdded={onAdded} />
    </li>
  );
}

export function RightsPage() {
  const session = useSession();
  const admin = isRoyaltyAdmin(session);
  const [params] = useSearchParams();
  const focus = params.get("recording");
  const pending = usePendingRights(admin);
  const [added, setAdded] = useState<RightsAdded[]>([]);
  if (!admin) {
    return (
      <EmptyState title="Only a royalty admin adds rights holders">
        <p>A song matched to Apple Music or MusicBrainz waits until a royalty admin adds its rights holders and shares.</p>
        <Link className="btn" to="/generation">Back to the projects</Link>
      </EmptyState>
    );
  }
  const items = [...(pending.data?.items ?? [])].sort((a, b) => Number(b.recording_id === focus) - Number(a.recording_id === focus));
  return (
    <>
      <Link className="back" to="/generation">← Projects</Link>
      <header className="page-head">
        <h1>Rights holders to add</h1>
        <p className="muted">Recordings of named catalogs that songs wait on. The shares must make exactly 100 %; each addition is audited with its reason.</p>
      </header>
      {added.length > 0 && (
        <ul className="card rights-added" aria-label="Added" role="status">
          {added.map((a) => (
            <li key={a.recording_id}>Added <strong>{a.title}</strong> ({a.isrc ?? "no ISRC"}) with {Object.keys(a.holders).length} holder(s) · audit {a.audit_operation}</li>
          ))}
        </ul>
      )}
      {pending.isPending && <Spinner label="Loading the recordings waiting for rights" />}
      {pending.error && <ErrorState title="Cannot load the recordings" error={pending.error} onRetry={() => void pending.refetch()} />}
      {pending.data && items.length === 0 && <EmptyState title="Nothing is waiting for rights holders" />}
      {items.length > 0 && (
        <ul className="gen-list" aria-label="Recordings waiting for rights">
          {items.map((r) => (
            <Recording key={r.recording_id} recording={r} focused={r.recording_id === focus}
              onAdded={(a) => setAdded((all) => [a, ...all])} />
          ))}
        </ul>
      )}
    </>
  );
}
