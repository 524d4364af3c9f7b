/**
 * The samples grid, grouped by class. Click a pad to audition it; drag it onto the desktop or a
 * DAW (Chromium's DownloadURL drag) or use its download link.
 */
import { useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import type { Sample } from "../api/model";

export function groupByClass(samples: Sample[]): [string, Sample[]][] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) groups.set(sample.label, [...(groups.get(sample.label) ?? []), sample]);
  return [...groups.entries()]
    .map(([label, items]) => [label, items.sort((a, b) => b.confidence - a.confidence)] as [string, Sample[]])
    .sort(([a], [b]) => a.localeCompare(b));
}

const fileName = (sample: Sample) => sample.key.split("/").slice(-3).join("-");
/** "closed_hat" -> "Closed hat" */
export const className = (label: string) => label.charAt(0).toUpperCase() + label.slice(1).replace(/_/g, " ");
const SHOWN = 12;  // per class until "Show all"

export function Samples({ samples }: { samples: Sample[] }) {
  const groups = useMemo(() => groupByClass(samples), [samples]);
  const player = useRef<HTMLAudioElement | null>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  useEffect(() => () => player.current?.pause(), []);

  const audition = (sample: Sample) => {
    player.current?.pause();
    if (playing === sample.key) {
      setPlaying(null);
      return;
    }
    const audio = new Audio(sample.url);
    audio.onended = () => setPlaying((current) => (current === sample.key ? null : current));
    player.current = audio;
    setPlaying(sample.key);
    audio.play().catch(() => setPlaying(null));
  };
  const drag = (event: DragEvent, sample: Sample) => {
    event.dataTransfer.setData("DownloadURL", `audio/wav:${fileName(sample)}:${sample.url}`);
    event.dataTransfer.setData("text/uri-list", sample.url);
  };

  return (
    <div className="samples" data-testid="samples">
      {groups.map(([label, items]) => (
        <SampleGroup key={label} label={label} items={items} playing={playing} onAudition={audition} onDrag={drag} />
      ))}
    </div>
  );
}

function SampleGroup({ label, items, playing, onAudition, onDrag }: {
  label: string;
  items: Sample[];
  playing: string | null;
  onAudition: (sample: Sample) => void;
  onDrag: (event: DragEvent, sample: Sample) => void;
}) {
  const [all, setAll] = useState(false);
  const name = className(label);
  const shown = all ? items : items.slice(0, SHOWN);
  return (
    <section className="sample-group" aria-label={`${name}: ${items.length} samples`}>
      <h3>{name} <span className="muted small">{items.length}</span></h3>
      <ul className="pads">
        {shown.map((sample, i) => (
          <li key={sample.key} className={`pad${playing === sample.key ? " pad-playing" : ""}`}>
            <button type="button" className="pad-play" onClick={() => onAudition(sample)} aria-pressed={playing === sample.key}
              aria-label={`Audition ${name} ${i + 1}, from the ${sample.stem} stem at ${sample.start_s.toFixed(2)} s`}>
              <span className="pad-label">{name} {i + 1}</span>
              <span className="muted small">{sample.stem} · {(sample.end_s - sample.start_s).toFixed(2)} s</span>
              <span className="pad-confidence" style={{ width: `${Math.round(sample.confidence * 100)}%` }}
                title={`${Math.round(sample.confidence * 100)}% sure`} />
            </button>
            <a className="pad-download" href={sample.url} download={fileName(sample)} draggable
              onDragStart={(e) => onDrag(e, sample)} aria-label={`Download ${name} ${i + 1}`} title="Download or drag out">
              <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M11 4h2v9l3.5-3.5 1.4 1.4L12 16.8l-5.9-5.9 1.4-1.4L11 13V4ZM5 18h14v2H5v-2Z" /></svg>
            </a>
          </li>
        ))}
      </ul>
      {items.length > SHOWN && (
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? "Show fewer" : `Show all ${items.length}`}
        </button>
      )}
    </section>
  );
}
