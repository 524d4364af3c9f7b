/**
 * The sample library: every sample of the collection, filtered by class (with the classifier's
 * confidence), track, stem, key, BPM, duration, loudness, tags and stars; sorted by similarity
 * to a chosen sample; auditioned on hover or with the keyboard (Enter/Space, arrows move);
 * dragged out to the desktop or a DAW; several chosen and exported as a sample pack; and the
 * whole collection on a 2-D map of sounds.
 */
import { useState, type DragEvent, type KeyboardEvent } from "react";
import {
  CLASSES, useDeleteSample, useEditSample, useSameSound, useSampleMap, useSamplePack, useSamples,
  type LibrarySample, type MapPoint, type SampleFilters,
} from "../api/samples";
import { className } from "../track/Samples";
import { audition, stopAudition } from "./audition";

const num = (value: string) => (value === "" ? undefined : Number(value));
export const fileName = (s: LibrarySample) => `${s.name.replace(/[^\w\- ]+/g, "_")}.wav`;

export function dragOut(event: DragEvent, sample: LibrarySample) {
  event.dataTransfer.setData("DownloadURL", `audio/wav:${fileName(sample)}:${sample.url}`);
  event.dataTransfer.setData("text/uri-list", sample.url);
}

function Filters({ filters, onChange }: { filters: SampleFilters; onChange: (f: SampleFilters) => void }) {
  const set = (patch: Partial<SampleFilters>) => onChange({ ...filters, ...patch });
  const field = (label: string, name: keyof SampleFilters, props: Record<string, unknown> = {}) => (
    <label className="field">
      <span>{label}</span>
      <input name={name} defaultValue={filters[name] === undefined ? "" : String(filters[name])} {...props}
        onChange={(e) => set({ [name]: props.type === "number" ? num(e.target.value) : e.target.value || undefined })} />
    </label>
  );
  return (
    <form className="sample-filters" aria-label="Sample filters" onSubmit={(e) => e.preventDefault()}>
      <label className="field">
        <span>Show</span>
        <select value={filters.kind ?? "sample"} onChange={(e) => set({ kind: e.target.value === "stem" ? "stem" : undefined })}>
          <option value="sample">Samples</option>
          <option value="stem">Stems</option>
        </select>
      </label>
      {field("Search", "q", { type: "search", placeholder: "name, track, class, tag" })}
      <label className="field">
        <span>Class</span>
        <select value={filters.class ?? ""} onChange={(e) => set({ class: e.target.value || undefined })}>
          <option value="">Any</option>
          {CLASSES.map((c) => <option key={c} value={c}>{className(c)}</option>)}
        </select>
      </label>
      {field("Min. confidence", "confidence_min", { type: "number", min: 0, max: 1, step: 0.05 })}
      {field("Track id", "track_id")}
      {field("Stem", "stem")}
      {field("Key", "key", { placeholder: "A minor" })}
      {field("BPM from", "bpm_min", { type: "number", min: 0, max: 1000 })}
      {field("BPM to", "bpm_max", { type: "number", min: 0, max: 1000 })}
      {field("Length from (s)", "duration_min", { type: "number", min: 0, step: 0.05 })}
      {field("Length to (s)", "duration_max", { type: "number", min: 0, step: 0.05 })}
      {field("Loudness from (dB)", "loudness_min", { type: "number", max: 0 })}
      {field("Loudness to (dB)", "loudness_max", { type: "number", max: 0 })}
      {field("Tag", "tag")}
      <label className="field field-check">
        <input type="checkbox" checked={!!filters.starred} onChange={(e) => set({ starred: e.target.checked || undefined })} />
        <span>Starred only</span>
      </label>
    </form>
  );
}

function SampleRow({ sample, chosen, onChoose, onSimilar, onSame }: {
  sample: LibrarySample; chosen: boolean; onChoose: (on: boolean) => void; onSimilar: () => void; onSame: () => void;
}) {
  const edit = useEditSample();
  const remove = useDeleteSample();
  const stem = sample.kind === "stem" ? { track: sample.track_id, name: sample.stem } : undefined;
  const play = () => void audition(sample.url).catch(() => undefined);
  const keys = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      play();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = event.key === "ArrowDown" ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
      (next as HTMLElement | null)?.focus();
    }
  };
  const confidence = Math.round(sample.confidence * 100);
  return (
    <tr tabIndex={0} data-testid="sample-row" onMouseEnter={play} onMouseLeave={stopAudition} onFocus={play} onKeyDown={keys}
      draggable onDragStart={(e) => dragOut(e, sample)} aria-label={`${sample.name}, ${className(sample.class)}`}>
      <td><input type="checkbox" aria-label={`Choose ${sample.name}`} checked={chosen} onChange={(e) => onChoose(e.target.checked)} /></td>
      <td>
        <input className="inline-edit" aria-label={`Name of ${sample.sample_id}`} defaultValue={sample.name}
          onBlur={(e) => e.target.value.trim() && e.target.value !== sample.name && edit.mutate({ id: sample.sample_id, stem, name: e.target.value })} />
      </td>
      <td>
        {stem ? <span>Stem</span> : (
          <select aria-label={`Class of ${sample.name}`} value={sample.class}
            onChange={(e) => edit.mutate({ id: sample.sample_id, class: e.target.value })}>
            {CLASSES.map((c) => <option key={c} value={c}>{className(c)}</option>)}
          </select>
        )}
        <span className="confidence" title={`${confidence}% sure`}><span style={{ width: `${confidence}%` }} /></span>
        {sample.auto_class && sample.auto_class !== sample.class && <span className="muted small"> (was {className(sample.auto_class)})</span>}
      </td>
      <td>{sample.track_title}<div className="muted small">{sample.stem}</div></td>
      <td>{sample.key ?? "–"}</td>
      <td>{sample.bpm ?? "–"}</td>
      <td>{sample.duration_s?.toFixed(2)} s</td>
      <td>{sample.loudness_db?.toFixed(1)} dB</td>
      <td>{sample.similarity !== undefined && sample.similarity !== null ? `${Math.round(sample.similarity * 100)}%` : ""}</td>
      <td className="row-actions">
        <button type="button" className="btn btn-small btn-ghost" aria-pressed={sample.starred}
          aria-label={`${sample.starred ? "Unstar" : "Star"} ${sample.name}`}
          onClick={() => edit.mutate({ id: sample.sample_id, stem, starred: !sample.starred })}>{sample.starred ? "★" : "☆"}</button>
        {!stem && <button type="button" className="btn btn-small btn-ghost" onClick={onSimilar}>Similar</button>}
        {!stem && <button type="button" className="btn btn-small btn-ghost" onClick={onSame}>In other tracks</button>}
        <a className="btn btn-small btn-ghost" href={sample.url} download={fileName(sample)}>Download</a>
        <button type="button" className="btn btn-small btn-ghost" aria-label={`Delete ${sample.name}`}
          onClick={() => window.confirm(`Delete ${sample.name}${stem ? " and everything made from it" : ""}?`)
            && remove.mutate({ id: sample.sample_id, stem })}>Delete</button>
      </td>
    </tr>
  );
}

const CLASS_COLOURS: Record<string, string> = {
  kick: "#e4572e", snare: "#f3a712", clap: "#a8c686", closed_hat: "#29335c", open_hat: "#669bbc", cymbal: "#8e7dbe",
  tom: "#c05746", percussion: "#7a9e7e", vocal: "#d1495b", bass: "#00798c", tonal: "#edae49", fx: "#6c757d",
};

export function SoundMap({ points, onPick }: { points: MapPoint[]; onPick: (id: string) => void }) {
  return (
    <svg className="sound-map" viewBox="-1.05 -1.05 2.1 2.1" role="img" aria-label={`Map of ${points.length} samples by sound`}
      data-testid="sound-map">
      {points.map((p) => (
        <circle key={p.sample_id} cx={p.x} cy={p.y} r={0.018} fill={CLASS_COLOURS[p.class] ?? "#999"}
          onClick={() => onPick(p.sample_id)}>
          <title>{`${p.name} (${className(p.class)})`}</title>
        </circle>
      ))}
    </svg>
  );
}

export default function SamplesPage() {
  const [filters, setFilters] = useState<SampleFilters>({});
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [same, setSame] = useState<string | null>(null);
  const [showMap, setShowMap] = useState(false);
  const page = useSamples(filters, cursors[cursors.length - 1] ?? null);
  const map = useSampleMap(showMap);
  const sameSound = useSameSound(same);
  const pack = useSamplePack();
  const change = (next: SampleFilters) => {
    setFilters(next);
    setCursors([null]);
  };
  const choose = (id: string, on: boolean) => setChosen((old) => {
    const next = new Set(old);
    if (on) next.add(id); else next.delete(id);
    return next;
  });
  const items = page.data?.items ?? [];
  return (
    <section className="page samples-page">
      <header className="page-head">
        <h1>Samples</h1>
        <div className="row-actions">
          <button type="button" className="btn" onClick={() => setShowMap(!showMap)} aria-expanded={showMap}>
            {showMap ? "Hide the map" : "Map of sounds"}</button>
          <button type="button" className="btn btn-accent" disabled={!chosen.size || pack.isPending}
            onClick={() => pack.mutate([...chosen])}>Export sample pack ({chosen.size})</button>
          {pack.data && <a className="btn" href={pack.data.url} data-testid="pack-link">Download pack ({pack.data.samples})</a>}
        </div>
      </header>
      <Filters filters={filters} onChange={change} />
      {filters.similar_to && (
        <p className="notice">Sorted by similarity to {filters.similar_to}{" "}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => change({ ...filters, similar_to: undefined })}>Clear</button></p>
      )}
      {showMap && map.data && <SoundMap points={map.data.points} onPick={(id) => change({ ...filters, similar_to: id })} />}
      {same && (
        <aside className="notice" aria-label="Same sound in other tracks">
          <strong>Same sound in other tracks:</strong>{" "}
          {sameSound.data?.items.length ? sameSound.data.items.map((s) => `${s.name} (${s.track_title})`).join(", ") : "none found"}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setSame(null)}>Close</button>
        </aside>
      )}
      {page.isError && <p role="alert">{String(page.error)}</p>}
      <table className="samples-table">
        <thead>
          <tr><th /><th>Name</th><th>Class</th><th>Track · stem</th><th>Key</th><th>BPM</th><th>Length</th><th>Loudness</th><th>Similarity</th><th /></tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <SampleRow key={s.sample_id} sample={s} chosen={chosen.has(s.sample_id)} onChoose={(on) => choose(s.sample_id, on)}
              onSimilar={() => change({ ...filters, similar_to: s.sample_id })} onSame={() => setSame(s.sample_id)} />
          ))}
        </tbody>
      </table>
      {!page.isLoading && !items.length && <p className="muted">No samples match. Process a track to slice its stems into samples.</p>}
      <div className="row-actions">
        {cursors.length > 1 && <button type="button" className="btn" onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>}
        {page.data?.next_cursor && <button type="button" className="btn" onClick={() => setCursors([...cursors, page.data?.next_cursor ?? null])}>Next</button>}
      </div>
    </section>
  );
}
