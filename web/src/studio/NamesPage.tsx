/**
 * Track names: a brief (artist, genre, mood, themes, optional track) → candidates with their
 * rationale and uniqueness flags → pick one into the artistDNA (and rename the track).
 */
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { usePickName, useNames, type NameCandidate, type NamesRequest } from "../api/studio";
import {
  BriefFields, checkBasics, checkCount, ChipsInput, CountField, EngineBadge, TextField, TrackPicker, useRememberedBrief, type Errors,
} from "./fields";

/** A flag in words: `used_by_artist`, `in_catalog`, `too_close:<name>`. */
export function flagText(flag: string): string {
  if (flag === "used_by_artist") return "You already used this name";
  if (flag === "in_catalog") return "Already in the catalog";
  if (flag.startsWith("too_close:")) return `Too close to “${flag.slice("too_close:".length)}”`;
  return flag.replace(/_/g, " ");
}

function Candidate({ candidate, allowFlagged, picked, busy, onPick }: {
  candidate: NameCandidate;
  allowFlagged: boolean;
  picked: boolean;
  busy: boolean;
  onPick: () => void;
}) {
  const flagged = !candidate.ok || candidate.flags.length > 0;
  return (
    <li className={`name-card${flagged ? " name-flagged" : ""}${picked ? " name-picked" : ""}`} data-testid="name-candidate">
      <div className="name-main">
        <strong className="name-text">{candidate.name}</strong>
        {candidate.flags.length > 0 && (
          <ul className="flags" aria-label={`Flags for ${candidate.name}`}>
            {candidate.flags.map((flag) => <li key={flag} className="flag">{flagText(flag)}</li>)}
          </ul>
        )}
        <p className="muted small">{candidate.rationale}</p>
      </div>
      {picked
        ? <span className="badge badge-ok">Picked</span>
        : (
          <button type="button" className={`btn btn-small${flagged ? "" : " btn-primary"}`} onClick={onPick}
            disabled={busy || (flagged && !allowFlagged)} aria-label={`Pick ${candidate.name}`}>
            Pick
          </button>
        )}
    </li>
  );
}

export function NamesPage() {
  const [basics, setBasics] = useRememberedBrief();
  const [themes, setThemes] = useState<string[]>([]);
  const [count, setCount] = useState("8");
  const [trackId, setTrackId] = useState("");
  const [seed, setSeed] = useState("");
  const [errors, setErrors] = useState<Errors<"artist_name" | "genre" | "mood" | "count" | "seed">>({});
  const [asked, setAsked] = useState<NamesRequest | null>(null);
  const [allowFlagged, setAllowFlagged] = useState(false);
  const names = useNames();
  const pick = usePickName();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = { ...checkBasics(basics), count: checkCount(count, 1, 20), seed: seed.trim() ? checkCount(seed, 0, 2 ** 31 - 1) : undefined };
    if (!found.count) delete found.count;
    if (!found.seed) delete found.seed;
    setErrors(found);
    if (Object.keys(found).length) return;
    const brief: NamesRequest = {
      artist_name: basics.artist_name.trim(), genre: basics.genre.trim(), mood: basics.mood.trim(), themes,
      count: Number(count), ...(trackId ? { track_id: trackId } : {}), ...(seed.trim() ? { seed: Number(seed) } : {}),
    };
    setAsked(brief);
    pick.reset();
    names.mutate(brief);
  };

  const reply = names.data;
  const flaggedCount = reply?.candidates.filter((c) => !c.ok || c.flags.length).length ?? 0;
  const choose = (candidate: NameCandidate) => {
    if (!asked) return;
    const { artist_name, genre, mood, themes, track_id } = asked;
    pick.mutate({
      name: candidate.name, brief: { artist_name, genre, mood, themes }, rationale: candidate.rationale,
      ...(track_id ? { track_id } : {}),
    });
  };

  return (
    <div className="studio-page">
      <div className="page-head">
        <h1>Track names</h1>
        <p className="muted">Describe the track; get names that fit it, checked against your names and the catalog.</p>
      </div>
      <form className="card form studio-form" onSubmit={submit} noValidate aria-label="Name brief">
        <BriefFields brief={basics} onChange={setBasics} errors={errors} />
        <ChipsInput label="Key themes" values={themes} onChange={setThemes} placeholder="night, city, escape"
          hint="Press Enter or type a comma after each theme." />
        <div className="field-row">
          <TrackPicker value={trackId} onChange={setTrackId} hint="Picking a name then renames this track." />
          <CountField label="How many names" value={count} onChange={setCount} min={1} max={20} error={errors.count} />
          <TextField label={<>Seed <span className="muted">(optional)</span></>} value={seed} onChange={setSeed} inputMode="numeric"
            error={errors.seed} className="input-narrow" hint="The same seed gives the same names from the offline engine." />
        </div>
        {Object.keys(errors).length > 0 && <p className="error-text" role="alert">Fix the fields marked above.</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={names.isPending}>
            {names.isPending ? "Thinking…" : "Suggest names"}
          </button>
        </div>
      </form>

      {names.error && <p className="error-text" role="alert">Could not suggest names: {names.error.message}</p>}
      <div aria-live="polite" className="sr-only">
        {names.isPending ? "Suggesting names…" : reply ? `${reply.candidates.length} names, ${flaggedCount} flagged.` : ""}
      </div>

      {pick.data && pick.variables && (
        <div className="card confirm" role="status" data-testid="name-picked">
          <strong>“{pick.variables.name}”</strong> is in your artistDNA as version {pick.data.dna_version}
          {pick.data.track_id ? ", and the track is renamed" : ""}.{" "}
          <Link to="/studio/dna">Open the artistDNA</Link>
        </div>
      )}
      {pick.error && <p className="error-text" role="alert">Could not pick the name: {pick.error.message}</p>}

      {reply && (
        <section className="card" aria-labelledby="names-title">
          <div className="section-head">
            <h2 id="names-title">Candidates</h2>
            <EngineBadge engine={reply.engine} offline={reply.offline} />
          </div>
          {reply.candidates.length === 0
            ? <p className="muted">No names this time: try other themes or another mood.</p>
            : (
              <>
                {flaggedCount > 0 && (
                  <label className="switch">
                    <input type="checkbox" checked={allowFlagged} onChange={(e) => setAllowFlagged(e.target.checked)} />
                    Let me pick flagged names ({flaggedCount})
                  </label>
                )}
                <ol className="name-list">
                  {reply.candidates.map((candidate) => (
                    <Candidate key={candidate.name} candidate={candidate} allowFlagged={allowFlagged}
                      picked={pick.isSuccess && pick.variables?.name === candidate.name}
                      busy={pick.isPending} onPick={() => choose(candidate)} />
                  ))}
                </ol>
              </>
            )}
        </section>
      )}
    </div>
  );
}
