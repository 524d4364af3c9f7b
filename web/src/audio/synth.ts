/**
 * A small Web Audio synth that plays MIDI notes along with any `Playback`: a look-ahead
 * scheduler (the "tale of two clocks" pattern) queues the notes of the next 150 ms on the
 * AudioContext clock, and starts over from the playhead after a seek or a pause.
 */
import type { Note } from "../api/model";
import type { Playback } from "./playback";

const LOOKAHEAD_S = 0.15;
const TICK_MS = 25;

export const midiToHz = (pitch: number) => 440 * 2 ** ((pitch - 69) / 12);

/** Index of the first note (by start) that has not ended by `time`: still ringing, or to come. */
export function firstNoteAt(notes: Note[], time: number): number {
  const index = notes.findIndex((note) => note.end_s > time);
  return index < 0 ? notes.length : index;
}

export class NoteScheduler {
  private notes: Note[];
  private next = 0;
  private horizon = 0;
  private voices = new Set<OscillatorNode>();
  private timer: ReturnType<typeof setInterval>;
  private output: GainNode;
  private unsubscribe: () => void;

  constructor(private ctx: AudioContext, private playback: Playback, notes: Note[], volume = 0.5) {
    this.notes = [...notes].sort((a, b) => a.start_s - b.start_s);
    this.output = ctx.createGain();
    this.output.gain.value = volume;
    this.output.connect(ctx.destination);
    this.rewind();
    this.unsubscribe = playback.subscribe(() => {
      this.silence();
      this.rewind();
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  destroy() {
    clearInterval(this.timer);
    this.unsubscribe();
    this.silence();
    this.output.disconnect();
  }

  private rewind() {
    const now = this.playback.time();
    this.next = firstNoteAt(this.notes, now);
    this.horizon = now;
  }

  private tick() {
    if (!this.playback.playing()) return;
    const now = this.playback.time();
    const until = now + LOOKAHEAD_S;
    for (; this.next < this.notes.length && this.notes[this.next]!.start_s < until; this.next++) {
      const note = this.notes[this.next]!;
      if (note.end_s <= now) continue;
      const start = Math.max(note.start_s, this.horizon);
      this.voice(note, this.ctx.currentTime + Math.max(0, start - now), note.end_s - start);
    }
    this.horizon = until;
  }

  private voice(note: Note, at: number, length: number) {
    const osc = this.ctx.createOscillator();
    const env = this.ctx.createGain();
    osc.type = "triangle";
    osc.frequency.value = midiToHz(note.pitch);
    const peak = 0.08 + 0.22 * (note.velocity / 127);
    const end = at + Math.max(0.05, length);
    env.gain.setValueAtTime(0, at);
    env.gain.linearRampToValueAtTime(peak, at + 0.008);
    env.gain.setTargetAtTime(peak * 0.6, at + 0.008, 0.1);
    env.gain.setTargetAtTime(0, end, 0.04);
    osc.connect(env).connect(this.output);
    osc.start(at);
    osc.stop(end + 0.3);
    osc.onended = () => {
      this.voices.delete(osc);
      env.disconnect();
    };
    this.voices.add(osc);
  }

  private silence() {
    for (const osc of this.voices) osc.stop();
    this.voices.clear();
  }
}
