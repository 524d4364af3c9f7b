/**
 * An answer's point cloud (its own chunk, loaded when first opened): `POST /sieb/points` for
 * the answer's pipeline, drawn by CloudView; the legend, the axes with units, the mapping a
 * user may change, the sampling note, the hovered row, pinned rows, and the lasso selection
 * with "Ask about the selection" (a follow-up naming the selected ids).
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { sieb, type Column, type Mapping, type Points, type Row, type Stage } from "../api/sieb";
import { ErrorState, Spinner } from "../components/States";
import { CloudView } from "./cloudView";
import {
  axisTitle, buildCloud, changed, choices, mappingOf, samplingNote, selectionQuestion, tickLabel, valueAt, type Cloud,
} from "./mapping";
import { decodeIds } from "./ids";
import { RowCache, type PageFetch } from "./rows";
import { cell, shown } from "./table";

export interface CloudPanelProps {
  collection: string;
  pipeline: Stage[];
  columns: Column[];
  /** pages of the result in order, for the rows behind the points */
  fetchPage: PageFetch;
  onAsk: (question: string) => void;
  busy: boolean;
}

const CHANNELS = [["x", "x axis"], ["y", "y axis"], ["z", "z axis"], ["color", "Colour"], ["size", "Size"]] as const;

export default function CloudPanel({ collection, pipeline, columns, fetchPage, onAsk, busy }: CloudPanelProps) {
  const [mapping, setMapping] = useState<Partial<Mapping> | undefined>(undefined);
  const [points, setPoints] = useState<Points | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify([collection, pipeline]);
  // a new cache per result (the fetcher is a fresh closure each render, the result is the key)
  const cache = useMemo(() => new RowCache(fetchPage), [key]);
  const [, setRowsVersion] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    setError(null);
    sieb.points({ collection, pipeline, mapping }, abort.signal)
      .then(setPoints, (err: unknown) => { if (!abort.signal.aborted) setError(err); })
      .finally(() => { if (!abort.signal.aborted) setLoading(false); });
    return () => abort.abort();
  }, [key, mapping]);

  const cloud = useMemo(() => (points ? buildCloud(points) : null), [points]);
  const ids = useMemo(() => decodeIds(points?.ids), [points]);
  const [hover, setHover] = useState<{ index: number; x: number; y: number }>({ index: -1, x: 0, y: 0 });
  const [pinned, setPinned] = useState<number[]>([]);
  const [selected, setSelected] = useState<number[]>([]);
  const [lasso, setLasso] = useState(false);
  const [words, setWords] = useState("");
  const [glError, setGlError] = useState<string | null>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<CloudView | null>(null);

  useEffect(() => {
    setPinned([]);
    setSelected([]);
  }, [points]);

  // The rows behind the hovered and pinned points: the page of each, wherever it is (the
  // selection needs only ids, which every point has).
  const need = [hover.index, ...pinned].filter((i) => i >= 0).map((i) => points?.points.row_index[i] ?? -1);
  const needKey = need.join(",");
  useEffect(() => {
    if (!need.some((i) => i >= 0)) return;
    let live = true;
    cache.ensure(need).then(() => live && setRowsVersion((v) => v + 1), () => undefined);
    return () => { live = false; };
  }, [needKey, cache]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const overlay = overlayRef.current;
    if (!canvas || !overlay || !cloud || !points) return;
    let view = viewRef.current;
    if (!view) {
      try {
        view = new CloudView(canvas, overlay, {
          onHover: (index, x, y) => setHover({ index, x, y }),
          onPick: (index) => index >= 0 && setPinned((p) => (p.includes(index) ? p.filter((i) => i !== index) : [...p, index])),
          onLasso: (indices) => setSelected(indices),
        });
      } catch (err) {
        setGlError(err instanceof Error ? err.message : String(err));
        return;
      }
      viewRef.current = view;
      (canvas as HTMLCanvasElement & { siebCloud?: CloudView }).siebCloud = view;
    }
    view.setCloud(cloud, labelsOf(points, cloud));
  }, [cloud, points]);

  useEffect(() => () => { viewRef.current?.dispose(); viewRef.current = null; }, []);
  useEffect(() => { viewRef.current?.setMarks(selected, pinned, hover.index); }, [selected, pinned, hover.index, cloud]);
  useEffect(() => { viewRef.current?.setLassoMode(lasso); }, [lasso, cloud]);

  if (error) return <ErrorState title="Cannot draw the point cloud" error={error} />;
  if (!points || !cloud) return <Spinner label="Placing the points" />;

  const current = mappingOf(points);
  const options = choices(columns);
  const rowOf = (i: number) => cache.get(points.points.row_index[i] ?? -1);
  const knownIds = selected.map((i) => ids.at(i)).filter((id): id is string => id !== null);
  const ask = selectionQuestion(words, knownIds);

  const onKey = (e: React.KeyboardEvent) => {
    const view = viewRef.current;
    if (!view) return;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => view.orbitBy(-20, 0), ArrowRight: () => view.orbitBy(20, 0),
      ArrowUp: () => view.orbitBy(0, -20), ArrowDown: () => view.orbitBy(0, 20),
      "+": () => view.zoomBy(-120), "=": () => view.zoomBy(-120), "-": () => view.zoomBy(120),
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      move();
    }
  };

  return (
    <section className="sieb-cloud" aria-label="Point cloud">
      <p className={points.sampled ? "notice" : "muted"} data-testid="sieb-sampling">{samplingNote(points)}
        {loading && <span role="status"> Placing the points again…</span>}</p>
      <div className="sieb-cloud-main">
        <div className="sieb-stage">
          {glError
            ? <p className="error-text" role="alert">{glError}: the table above has every row.</p>
            : null}
          <canvas ref={canvasRef} className="sieb-canvas" tabIndex={0} data-testid="sieb-canvas" data-points={cloud.count}
            aria-label={`Point cloud of ${cloud.count} points. Drag to orbit, wheel or +/- to zoom, arrow keys turn it; click a point to pin it${lasso ? "; drag to draw a lasso" : "; hold Shift and drag for a lasso"}.`}
            onKeyDown={onKey} hidden={Boolean(glError)} />
          <div ref={overlayRef} className="sieb-overlay" aria-hidden="true" />
          {hover.index >= 0 && (
            <div className="sieb-tooltip" role="tooltip" data-testid="sieb-hover"
              style={{ left: hover.x + 14, top: hover.y + 14 }}>
              <PointDetail index={hover.index} points={points} cloud={cloud} row={rowOf(hover.index)} columns={columns} id={[ids.column, ids.at(hover.index)]} />
            </div>
          )}
        </div>
        <aside className="sieb-side">
          <div className="sieb-tools">
            <button type="button" className="btn btn-small" aria-pressed={lasso} onClick={() => setLasso((v) => !v)}>
              {lasso ? "Lasso on" : "Lasso"}
            </button>
            {selected.length > 0 && <button type="button" className="btn btn-small btn-ghost" onClick={() => setSelected([])}>Clear selection</button>}
          </div>
          <h4>Legend: {points.color.field ?? "—"}</h4>
          <ul className="sieb-legend" data-testid="sieb-legend">
            {cloud.legend.map((l) => (
              <li key={l.label}><span className="sieb-swatch" style={{ background: l.color }} aria-hidden="true" />{l.label} <span className="muted">({l.count.toLocaleString("en")})</span></li>
            ))}
            <li><span className="sieb-swatch sieb-swatch-outline" aria-hidden="true" />white outline: highlighted (stock-out)</li>
            <li className="muted">Size: {points.size.field ?? "equal"}</li>
          </ul>
          <h4>Axes</h4>
          <ul className="sieb-axes" data-testid="sieb-axes">
            {(["x", "y", "z"] as const).map((a) => <li key={a}><strong>{a}</strong>: {axisTitle(points.axes[a])}</li>)}
          </ul>
          <MappingForm key={JSON.stringify(current)} current={current} options={options} onApply={(m) => setMapping(overrides({ ...(mapping ?? {}), ...changed(current, m) }))} />
        </aside>
      </div>
      {pinned.length > 0 && (
        <div className="sieb-pinned" data-testid="sieb-pinned">
          <h4>Pinned</h4>
          <ul>
            {pinned.map((i) => (
              <li key={i} className="card">
                <PointDetail index={i} points={points} cloud={cloud} row={rowOf(i)} columns={columns} id={[ids.column, ids.at(i)]} />
                <button type="button" className="btn btn-small btn-ghost" onClick={() => setPinned((p) => p.filter((j) => j !== i))}>Unpin</button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {selected.length > 0 && (
        <form className="sieb-selection card" data-testid="sieb-selection" onSubmit={(e) => { e.preventDefault(); if (ask.named) onAsk(ask.question); }}>
          <p><strong>{selected.length.toLocaleString("en")}</strong> {selected.length === 1 ? "point" : "points"} selected
            {ask.named < selected.length ? ` (the question names ${ask.named}: the first that fit its ${500}-character limit)` : ""}.</p>
          <label>Ask about the selection
            <input value={words} onChange={(e) => setWords(e.target.value)} maxLength={200} placeholder="and their suppliers?" />
          </label>
          <p className="muted" data-testid="sieb-selection-question">{ask.named ? ask.question : "These points have no ids to ask about."}</p>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary btn-small" disabled={!ask.named || busy}>Ask about the selection</button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The channels the user set (a channel put back to "(default)" is left to the API). */
function overrides(mapping: Partial<Mapping>): Partial<Mapping> {
  return Object.fromEntries(Object.entries(mapping).filter(([, v]) => v)) as Partial<Mapping>;
}

function labelsOf(points: Points, cloud: Cloud) {
  const axis = (a: "x" | "y" | "z") => ({
    title: axisTitle(points.axes[a]),
    min: tickLabel(valueAt(-1, cloud.ranges[a])),
    max: tickLabel(valueAt(1, cloud.ranges[a])),
  });
  return { x: axis("x"), y: axis("y"), z: axis("z") };
}

function PointDetail({ index, points, cloud, row, columns, id }: {
  index: number; points: Points; cloud: Cloud; row: Row | undefined; columns: Column[]; id: [string, string | null];
}) {
  const p = points.points;
  const legend = cloud.legend[cloud.category[index] ?? -1];
  return (
    <dl className="sieb-point">
      {row
        ? columns.slice(0, 10).map((c) => <div key={c.name}><dt>{c.name}</dt><dd>{shown(cell(row, c.name))}{c.unit ? ` ${c.unit}` : ""}</dd></div>)
        : <>
          {id[1] !== null && <div><dt>{id[0]}</dt><dd>{id[1]}</dd></div>}
          <div><dt>row</dt><dd>{(p.row_index[index] ?? index) + 1} <span className="muted">(loading)</span></dd></div>
        </>}
      {(["x", "y", "z"] as const).map((a) => (
        <div key={a}><dt>{points.axes[a].label}</dt><dd>{tickLabel(p[a][index] ?? NaN)}{points.axes[a].unit ? ` ${points.axes[a].unit}` : ""}</dd></div>
      ))}
      {legend && <div><dt>{points.color.field ?? "colour"}</dt><dd>{legend.label}</dd></div>}
      {p.highlight[index] ? <div><dt>highlighted</dt><dd>yes</dd></div> : null}
    </dl>
  );
}

function MappingForm({ current, options, onApply }: {
  current: Mapping;
  options: ReturnType<typeof choices>;
  onApply: (mapping: Mapping) => void;
}) {
  const [edited, setEdited] = useState<Mapping>(current);
  const dirty = Object.keys(changed(current, edited)).length > 0;
  return (
    <form className="sieb-mapping" aria-label="Mapping" onSubmit={(e) => { e.preventDefault(); onApply(edited); }}>
      <h4>Mapping</h4>
      {CHANNELS.map(([channel, label]) => {
        const fields = [...new Set([...(current[channel] ? [current[channel]!] : []), ...options[channel]])];
        return (
          <label key={channel}>{label}
            <select value={edited[channel] ?? ""} onChange={(e) => setEdited({ ...edited, [channel]: e.target.value || null })}>
              <option value="">(default)</option>
              {fields.map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
          </label>
        );
      })}
      <button type="submit" className="btn btn-small" disabled={!dirty}>Apply mapping</button>
    </form>
  );
}
