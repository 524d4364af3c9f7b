/**
 * The artistDNA: the current version (or any earlier one) rendered readably — the style palette
 * as swatches, fonts, moods, the names and artworks picked, the video loops — a style editor,
 * the version history and what changed between two versions.
 */
import { useId, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import {
  useArtwork, useDna, useDnaDiff, useDnaHistory, useEditStyle, useVideo,
  type ArtistDna, type DnaArtwork, type DnaChange, type DnaHistoryEntry, type DnaStyle, type DnaVideo,
} from "../api/studio";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { colourName, normaliseHex } from "./colour";
import { ChipsInput, splitList } from "./fields";

const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : "");

export function Swatches({ palette }: { palette: string[] }) {
  if (!palette.length) return <p className="muted">No palette yet.</p>;
  return (
    <ul className="swatches" aria-label="Palette">
      {palette.map((hex) => (
        <li key={hex} className="swatch">
          <span className="swatch-colour" style={{ background: normaliseHex(hex) ?? hex }} aria-hidden="true" />
          <span className="swatch-name">{colourName(hex)}</span>
          <code>{hex}</code>
        </li>
      ))}
    </ul>
  );
}

function Words({ label, values }: { label: string; values: string[] }) {
  return (
    <div className="dna-words">
      <h3>{label}</h3>
      {values.length ? <ul className="tags" aria-label={label}>{values.map((v) => <li key={v}>{v}</li>)}</ul> : <p className="muted small">None yet.</p>}
    </div>
  );
}

/** A picked artwork: its image comes from the artwork (the document keeps S3 keys, not URLs). */
function DnaArtworkTile({ entry }: { entry: DnaArtwork }) {
  const artwork = useArtwork(entry.artwork_id);
  const url = artwork.data?.candidates.find((c) => c.candidate_id === entry.candidate_id)?.url;
  return (
    <Link to={`/studio/artwork/${entry.artwork_id}`} className="artwork-tile" title={entry.prompt}>
      {url ? <img src={url} alt="" width={120} height={120} loading="lazy" /> : <span className="artwork-blank" aria-hidden="true" />}
      <span className="artwork-tile-title">{entry.title || entry.prompt}</span>
      <span className="small muted">seed {entry.seed} · {entry.model}{entry.offline ? " (offline)" : ""}</span>
    </Link>
  );
}

function DnaVideoPlayer({ entry }: { entry: DnaVideo }) {
  const video = useVideo(entry.video_id);
  return (
    <>
      {video.data
        ? <video src={video.data.video_url} muted loop controls playsInline preload="metadata" width={240} aria-label={`Video loop from artwork ${entry.candidate_id}`} />
        : <span className="artwork-blank video-blank" aria-hidden="true" />}
      <span className="small muted">{entry.seconds} s{entry.audio ? " · with audio" : ""} · {when(entry.created_at)}</span>
      {video.error && <span className="error-text small">{video.error.message}</span>}
    </>
  );
}

export function DnaDocument({ dna }: { dna: ArtistDna }) {
  const style = dna.style ?? { palette: [], fonts: [], moods: [] };
  const names = dna.names ?? [];
  const artworks = dna.artworks ?? [];
  const videos = dna.videos ?? [];
  return (
    <div className="dna-doc" data-testid="dna-document">
      <section className="card" aria-labelledby="dna-style">
        <h2 id="dna-style">Style</h2>
        <Swatches palette={style.palette ?? []} />
        <div className="dna-words-row">
          <Words label="Fonts" values={style.fonts ?? []} />
          <Words label="Moods" values={style.moods ?? []} />
        </div>
        {style.notes && <p className="dna-notes">{style.notes}</p>}
      </section>
      <section className="card" aria-labelledby="dna-names">
        <h2 id="dna-names">Names</h2>
        {names.length ? (
          <ul className="dna-names" data-testid="dna-names">
            {names.map((n, i) => (
              <li key={`${n.name}-${i}`}>
                <strong>{n.name}</strong>
                <span className="muted small"> · {[n.brief.genre, n.brief.mood, ...(n.brief.themes ?? [])].filter(Boolean).join(", ") || "no brief"} · {when(n.chosen_at)}</span>
                {n.rationale && <p className="small muted">{n.rationale}</p>}
              </li>
            ))}
          </ul>
        ) : <p className="muted">No name picked yet. <Link to="/studio/names">Find one</Link>.</p>}
      </section>
      <section className="card" aria-labelledby="dna-artworks">
        <h2 id="dna-artworks">Artworks</h2>
        {artworks.length ? (
          <ul className="dna-artworks" data-testid="dna-artworks">
            {[...artworks].reverse().map((a) => <li key={`${a.artwork_id}-${a.candidate_id}-${a.chosen_at}`}><DnaArtworkTile entry={a} /></li>)}
          </ul>
        ) : <p className="muted">No artwork picked yet. <Link to="/studio/artwork">Make some</Link>.</p>}
      </section>
      <section className="card" aria-labelledby="dna-videos">
        <h2 id="dna-videos">Video loops</h2>
        {videos.length ? (
          <ul className="dna-videos">
            {[...videos].reverse().map((v) => <li key={v.video_id}><DnaVideoPlayer entry={v} /></li>)}
          </ul>
        ) : <p className="muted">No loop yet. <Link to="/studio/video">Make one</Link>.</p>}
      </section>
    </div>
  );
}

/** Palette, fonts, moods and notes: saving writes a new artistDNA version. */
export function StyleEditor({ style, onDone }: { style: DnaStyle; onDone: () => void }) {
  const [palette, setPalette] = useState<string[]>(style.palette.map((h) => normaliseHex(h) ?? h));
  const [fonts, setFonts] = useState(style.fonts);
  const [moods, setMoods] = useState(style.moods);
  const [notes, setNotes] = useState(style.notes ?? "");
  const [hexText, setHexText] = useState("");
  const [hexError, setHexError] = useState<string | null>(null);
  const edit = useEditStyle();
  const notesId = useId();
  const hexId = useId();
  const addHex = () => {
    const added = splitList(hexText).map((t) => [t, normaliseHex(t)] as const);
    const bad = added.filter(([, hex]) => !hex).map(([t]) => t);
    if (bad.length) {
      setHexError(`Not a colour: ${bad.join(", ")} (use #rrggbb).`);
      return;
    }
    setHexError(null);
    setPalette((current) => [...new Set([...current, ...added.map(([, hex]) => hex!)])].slice(0, 16));
    setHexText("");
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    edit.mutate({ palette, fonts, moods, notes: notes.trim() || undefined }, { onSuccess: onDone });
  };
  return (
    <form className="card form style-editor" onSubmit={save} aria-label="Edit the style">
      <h2>Edit the style</h2>
      <fieldset className="palette-edit">
        <legend>Palette</legend>
        <ul className="swatches">
          {palette.map((hex, i) => (
            <li key={`${hex}-${i}`} className="swatch">
              <input type="color" value={hex} aria-label={`Colour ${i + 1} (${colourName(hex)})`}
                onChange={(e) => setPalette((current) => current.map((h, j) => (j === i ? e.target.value : h)))} />
              <code>{hex}</code>
              <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove ${hex}`}
                onClick={() => setPalette((current) => current.filter((_, j) => j !== i))}>×</button>
            </li>
          ))}
        </ul>
        <div className="inline-add">
          <label htmlFor={hexId} className="sr-only">Add colours</label>
          <input id={hexId} value={hexText} onChange={(e) => setHexText(e.target.value)} placeholder="#ff3366, #1b1f3a"
            aria-invalid={hexError ? true : undefined} aria-describedby={hexError ? `${hexId}-error` : undefined}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                addHex();
              }
            }} />
          <button type="button" className="btn btn-small" onClick={addHex} disabled={!hexText.trim()}>Add colour</button>
        </div>
        {hexError && <span id={`${hexId}-error`} className="error-text small">{hexError}</span>}
      </fieldset>
      <ChipsInput label="Fonts" values={fonts} onChange={setFonts} placeholder="Space Grotesk" max={10} />
      <ChipsInput label="Moods" values={moods} onChange={setMoods} placeholder="nocturnal, hopeful" max={20} />
      <div className="field">
        <label htmlFor={notesId}>Notes <span className="muted">(optional)</span></label>
        <textarea id={notesId} rows={3} value={notes} maxLength={2000} onChange={(e) => setNotes(e.target.value)} />
      </div>
      {edit.error && <p className="error-text" role="alert">Could not save: {edit.error.message}</p>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={edit.isPending}>{edit.isPending ? "Saving…" : "Save as a new version"}</button>
        <button type="button" className="btn btn-ghost" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

const OPS = { add: "added", remove: "removed", change: "changed" } as const;

function show(value: unknown): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function DiffTable({ changes }: { changes: DnaChange[] }) {
  if (!changes.length) return <p className="muted">No differences.</p>;
  const counts = changes.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.op]: (acc[c.op] ?? 0) + 1 }), {});
  return (
    <>
      <p className="small" aria-live="polite" data-testid="diff-summary">
        {(["add", "remove", "change"] as const).filter((op) => counts[op]).map((op) => `${counts[op]} ${OPS[op]}`).join(", ")}
      </p>
      <div className="table-scroll">
        <table className="data-table diff-table">
          <caption className="sr-only">Changes between the two versions</caption>
          <thead><tr><th scope="col">Change</th><th scope="col">Path</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
          <tbody>
            {changes.map((c) => (
              <tr key={`${c.op}:${c.path}`} className={`diff-${c.op}`} data-testid="diff-row">
                <td><span className={`badge diff-badge-${c.op}`}>{OPS[c.op] ?? c.op}</span></td>
                <td><code>{c.path}</code></td>
                <td className="diff-value">{c.op !== "add" && show(c.before)}</td>
                <td className="diff-value">{c.op !== "remove" && show(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Compare({ history }: { history: DnaHistoryEntry[] }) {
  const versions = history.map((h) => h.version).sort((a, b) => a - b);
  const latest = versions.at(-1) ?? null;
  const [from, setFrom] = useState<number | null>(versions.at(-2) ?? null);
  const [to, setTo] = useState<number | null>(latest);
  const diff = useDnaDiff(from, to);
  const fromId = useId();
  const toId = useId();
  if (versions.length < 2) return <p className="muted">A second version is needed to compare.</p>;
  const select = (id: string, label: string, value: number | null, set: (v: number) => void) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ""} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => <option key={v} value={v}>version {v}</option>)}
      </select>
    </div>
  );
  return (
    <div className="compare">
      <div className="field-row">
        {select(fromId, "From", from, setFrom)}
        {select(toId, "To", to, setTo)}
      </div>
      {from === to && <p className="muted">Choose two different versions.</p>}
      {diff.isLoading && <Spinner label="Comparing" />}
      {diff.error && <ErrorState title="The versions could not be compared" error={diff.error} onRetry={() => void diff.refetch()} />}
      {diff.data && from !== to && <DiffTable changes={diff.data} />}
    </div>
  );
}

function History({ history, viewing, onView }: { history: DnaHistoryEntry[]; viewing: number | null; onView: (v: number | null) => void }) {
  const sorted = [...history].sort((a, b) => b.version - a.version);
  const latest = sorted[0]?.version ?? null;
  return (
    <ol className="history" data-testid="dna-history">
      {sorted.map((h) => {
        const current = (viewing ?? latest) === h.version;
        return (
          <li key={h.version} className={current ? "history-current" : undefined} aria-current={current ? "true" : undefined}>
            <div>
              <strong>v{h.version}</strong> <span className="history-change">{h.change}</span>
              <div className="small muted">{when(h.created_at)}</div>
            </div>
            {!current && (
              <button type="button" className="btn btn-small" onClick={() => onView(h.version === latest ? null : h.version)}
                aria-label={`View version ${h.version}`}>View</button>
            )}
          </li>
        );
      })}
    </ol>
  );
}

export function DnaPage() {
  const [params, setParams] = useSearchParams();
  const version = params.get("version") ? Number(params.get("version")) : null;
  const dna = useDna(version);
  const history = useDnaHistory();
  const [editing, setEditing] = useState(false);
  const view = (v: number | null) => setParams(v === null ? {} : { version: String(v) }, { replace: true });
  const none = dna.data?.version === 0;
  const empty: DnaStyle = { palette: [], fonts: [], moods: [], notes: "" };

  return (
    <div className="studio-page">
      <div className="page-head">
        <h1>artistDNA</h1>
        <p className="muted">What you picked and the style you set, versioned: new generations read it to stay on-style.</p>
      </div>
      <div className="dna-layout">
        <div className="dna-main">
          {version !== null && (
            <p className="notice" role="status">
              Viewing version {version}. <button type="button" className="btn btn-small" onClick={() => view(null)}>Back to the latest</button>
            </p>
          )}
          {editing
            ? <StyleEditor style={dna.data?.style ?? empty} onDone={() => setEditing(false)} />
            : version === null && (dna.data || none) && (
              <div><button type="button" className="btn" onClick={() => setEditing(true)}>Edit the style</button></div>
            )}
          {dna.isLoading && <Spinner label="Loading the artistDNA" />}
          {none && (
            <EmptyState title="No artistDNA yet">
              <p>It starts with the first name or artwork you pick, or with the style you set.</p>
            </EmptyState>
          )}
          {dna.error && <ErrorState title="The artistDNA could not be loaded" error={dna.error} onRetry={() => void dna.refetch()} />}
          {dna.data && !none && (
            <>
              <p className="small muted" data-testid="dna-version">
                Version {dna.data.version}{dna.data.created_at ? ` · ${when(dna.data.created_at)}` : ""}{dna.data.change ? ` · ${dna.data.change}` : ""}
              </p>
              <DnaDocument dna={dna.data} />
            </>
          )}
        </div>
        <aside className="dna-side">
          <section className="card" aria-labelledby="dna-history-title">
            <h2 id="dna-history-title">History</h2>
            {history.isLoading && <Spinner label="Loading the history" />}
            {history.error && <ErrorState title="The history could not be loaded" error={history.error} onRetry={() => void history.refetch()} />}
            {history.data && (history.data.length
              ? <History history={history.data} viewing={version} onView={view} />
              : <p className="muted">No versions yet.</p>)}
          </section>
        </aside>
      </div>
      {history.data && history.data.length > 0 && (
        <section className="card" aria-labelledby="dna-compare-title">
          <h2 id="dna-compare-title">Compare versions</h2>
          <Compare key={history.data.length} history={history.data} />
        </section>
      )}
    </div>
  );
}
