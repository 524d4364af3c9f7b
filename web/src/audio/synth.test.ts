import { afterEach, describe, expect, it, vi } from "vitest";
import type { Note } from "../api/model";
import { asContext, FakeAudioContext } from "../test/fakeAudio";
import type { Playback } from "./playback";
import { firstNoteAt, midiToHz, NoteScheduler } from "./synth";

const note = (start_s: number, end_s: number, pitch = 60): Note => ({ start_s, end_s, pitch, velocity: 100 });

function fakePlayback(time: number, playing = true) {
  const listeners = new Set<() => void>();
  const playback = {
    duration: 10, now: time, on: playing,
    time: () => playback.now, playing: () => playback.on,
    play: async () => undefined, pause: () => undefined, seek: () => undefined, destroy: () => undefined,
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit: () => listeners.forEach((l) => l()),
  };
  return playback;
}

describe("synth", () => {
  afterEach(() => vi.useRealTimers());

  it("tunes A4 to 440 Hz", () => {
    expect(midiToHz(69)).toBe(440);
    expect(midiToHz(81)).toBe(880);
  });

  it("finds the first note still sounding at a time", () => {
    const notes = [note(0, 4), note(1, 1.5), note(2, 2.5), note(3, 3.5)];
    expect(firstNoteAt(notes, 2.2)).toBe(0);  // the first note still rings
    expect(firstNoteAt(notes.slice(1), 2.2)).toBe(1);
    expect(firstNoteAt(notes.slice(1), 9)).toBe(3);
  });

  it("schedules only the next notes, on the audio clock, and silences them on a seek", () => {
    vi.useFakeTimers();
    const ctx = new FakeAudioContext();
    ctx.currentTime = 100;
    const playback = fakePlayback(1.0);
    const scheduler = new NoteScheduler(asContext(ctx), playback as unknown as Playback,
      [note(1.05, 1.5, 60), note(1.1, 1.2, 64), note(3, 4, 67)]);
    vi.advanceTimersByTime(30);
    expect(ctx.oscillators.map((o) => o.frequency.value)).toEqual([midiToHz(60), midiToHz(64)]);
    expect(ctx.oscillators[0]!.startedAt![0]).toBeCloseTo(100.05);
    vi.advanceTimersByTime(30);
    expect(ctx.oscillators).toHaveLength(2);  // each note once
    playback.now = 2.95;
    playback.emit();  // a seek
    expect(ctx.oscillators.every((o) => o.stopped)).toBe(true);
    vi.advanceTimersByTime(30);
    expect(ctx.oscillators.at(-1)!.frequency.value).toBe(midiToHz(67));
    scheduler.destroy();
  });

  it("plays nothing while paused", () => {
    vi.useFakeTimers();
    const ctx = new FakeAudioContext();
    const scheduler = new NoteScheduler(asContext(ctx), fakePlayback(0, false) as unknown as Playback, [note(0, 1)]);
    vi.advanceTimersByTime(200);
    expect(ctx.oscillators).toHaveLength(0);
    scheduler.destroy();
  });
});
