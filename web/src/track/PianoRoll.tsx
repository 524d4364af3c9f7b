/**
 * A piano roll per MIDI stem: notes drawn once on a canvas, a playhead that follows playback,
 * click to seek, zoom, and "Listen" to hear the notes on a small synth in time with the track.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { Assets, Note } from "../api/model";
import { audioContext, type Playback } from "../audio/playback";
import { NoteScheduler } from "../audio/synth";
import { usePlayheadEffect } from "../audio/usePlayback";
import { noteName } from "../lib/format";

const ROW_PX = 7;
const KEYS_PX = 36;
const MAX_CANVAS_PX = 16_384;  // browsers cap canvas sizes; longer tracks get fewer px per second
const MAX_ZOOM = 5;  // 2^5 times the fit-to-width scale
const READABLE_PX_PER_S = 30;  // the first zoom level that shows notes this wide opens

type Midi = Assets["midi"][number];

export function pitchRange(notes: Note[]): [number, number] {
  if (!notes.length) return [60, 72];
  const pitches = notes.map((n) => n.pitch);
  return [Math.max(0, Math.min(...pitches) - 2), Math.min(127, Math.max(...pitches) + 2)];
}

function Roll({ midi, playback, duration }: { midi: Midi; playback: Playback | null; duration: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLDivElement>(null);
  const [view, setView] = useState(0);
  const [zoom, setZoom] = useState<number | null>(null);
  const [listening, setListening] = useState(false);
  const [low, high] = useMemo(() => pitchRange(midi.notes), [midi.notes]);

  useEffect(() => {
    const element = scroller.current!;
    const observer = new ResizeObserver(() => setView(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const fit = Math.max(1, view) / Math.max(duration, 1);
  const level = zoom ?? Math.min(MAX_ZOOM, Math.max(0, Math.ceil(Math.log2(READABLE_PX_PER_S / fit))));
  const pxPerSecond = Math.min(fit * 2 ** level, MAX_CANVAS_PX / Math.max(duration, 1));
  const width = Math.max(1, Math.floor(duration * pxPerSecond));
  const height = (high - low + 1) * ROW_PX;

  useEffect(() => {
    const element = canvas.current!;
    const ratio = window.devicePixelRatio || 1;
    element.width = Math.min(MAX_CANVAS_PX, width * ratio);
    element.height = height * ratio;
    const ctx = element.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(element.width / width, 0, 0, ratio, 0, 0);
    for (let pitch = low; pitch <= high; pitch++) {
      const y = (high - pitch) * ROW_PX;
      ctx.fillStyle = [1, 3, 6, 8, 10].includes(pitch % 12) ? "#171923" : "#1d2030";
      ctx.fillRect(0, y, width, ROW_PX);
    }
    if (midi.bpm) {  // a line per bar (4/4), so the grid reads as music
      ctx.fillStyle = "#2a2e44";
      for (let t = 0, bar = (60 / midi.bpm) * 4; t < duration; t += bar) ctx.fillRect(Math.round(t * pxPerSecond), 0, 1, height);
    }
    for (const note of midi.notes) {
      const x = note.start_s * pxPerSecond;
      const w = Math.max(2, (note.end_s - note.start_s) * pxPerSecond);
      const y = (high - note.pitch) * ROW_PX;
      ctx.fillStyle = `hsl(${250 - (note.velocity / 127) * 80} 90% ${55 + (note.velocity / 127) * 15}%)`;
      ctx.beginPath();
      ctx.roundRect(x, y + 0.5, w, ROW_PX - 1, 2);
      ctx.fill();
    }
  }, [midi, low, high, width, height, pxPerSecond, duration]);

  useEffect(() => {
    if (!listening || !playback) return;
    const scheduler = new NoteScheduler(audioContext(), playback, midi.notes);
    return () => scheduler.destroy();
  }, [listening, playback, midi.notes]);

  usePlayheadEffect(playback, (time) => {
    const x = time * pxPerSecond;
    if (head.current) head.current.style.transform = `translateX(${x}px)`;
    const view = scroller.current;
    if (view && playback?.playing() && (x < view.scrollLeft || x > view.scrollLeft + view.clientWidth - 40)) {
      view.scrollLeft = Math.max(0, x - 40);
    }
  });

  const keys = (event: KeyboardEvent) => {
    if (event.key === "+" || event.key === "=") setZoom(Math.min(MAX_ZOOM, level + 1));
    else if (event.key === "-") setZoom(Math.max(0, level - 1));
    else return;
    event.preventDefault();
  };

  const octaves = [];
  for (let pitch = Math.ceil(low / 12) * 12; pitch <= high; pitch += 12) octaves.push(pitch);

  return (
    <div className="roll">
      <div className="roll-toolbar">
        <button type="button" className="btn btn-small btn-toggle" aria-pressed={listening} onClick={() => {
          void audioContext().resume();
          setListening((on) => !on);
        }}>
          {listening ? "Listening" : "Listen"}
        </button>
        <span className="muted small">{midi.notes.length} notes · {midi.engine}{midi.bpm ? ` · ${Math.round(midi.bpm)} bpm` : ""}</span>
        <span className="roll-zoom">
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setZoom(Math.max(0, level - 1))}
            disabled={level === 0} aria-label="Zoom out">−</button>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setZoom(Math.min(MAX_ZOOM, level + 1))}
            disabled={level === MAX_ZOOM} aria-label="Zoom in">+</button>
        </span>
        <a className="btn btn-small btn-ghost" href={midi.url} download={`${midi.stem}.mid`}>Download .mid</a>
      </div>
      <div className="roll-body">
        <div className="roll-keys" style={{ height, width: KEYS_PX }} aria-hidden="true">
          {octaves.map((pitch) => (
            <span key={pitch} style={{ top: (high - pitch) * ROW_PX - 4 }}>{noteName(pitch)}</span>
          ))}
        </div>
        <div ref={scroller} className="roll-scroll" tabIndex={0} onKeyDown={keys}
          aria-label={`Piano roll of the ${midi.stem} stem: ${midi.notes.length} notes. Plus and minus zoom.`} role="region">
          <div className="roll-canvas" style={{ width, height }}>
            <canvas ref={canvas} style={{ width, height }} data-testid={`roll-${midi.stem}`}
              onClick={(event) => playback?.seek((event.nativeEvent.offsetX) / pxPerSecond)} />
            <div ref={head} className="roll-head" style={{ height }} />
          </div>
        </div>
      </div>
    </div>
  );
}

export function PianoRolls({ midi, playback, duration }: { midi: Assets["midi"]; playback: Playback | null; duration: number }) {
  const [selected, setSelected] = useState(0);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const current = midi[Math.min(selected, midi.length - 1)]!;
  const move = (event: KeyboardEvent, index: number) => {
    const next = event.key === "ArrowRight" ? index + 1 : event.key === "ArrowLeft" ? index - 1 : null;
    if (next === null) return;
    const wrapped = (next + midi.length) % midi.length;
    setSelected(wrapped);
    tabs.current[wrapped]?.focus();
  };
  return (
    <div className="rolls">
      <div role="tablist" aria-label="MIDI stems" className="tabs">
        {midi.map((m, i) => (
          <button key={m.stem} ref={(el) => { tabs.current[i] = el; }} type="button" role="tab" id={`roll-tab-${m.stem}`}
            aria-selected={i === selected} aria-controls="roll-panel" tabIndex={i === selected ? 0 : -1}
            onClick={() => setSelected(i)} onKeyDown={(e) => move(e, i)}>
            {m.stem}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="roll-panel" aria-labelledby={`roll-tab-${current.stem}`}>
        <Roll key={current.stem} midi={current} playback={playback} duration={duration} />
      </div>
    </div>
  );
}
