import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Assets, Sample } from "../api/model";
import { StemMixer, type Playback } from "../audio/playback";
import { JobSteps } from "../components/JobProgress";
import { job } from "../test/fixtures";
import { asContext, FakeAudioContext } from "../test/fakeAudio";
import { Lyrics, wordAt } from "./Lyrics";
import { Mixer } from "./Mixer";
import { className, groupByClass, Samples } from "./Samples";

function stillPlayback(at: number) {
  const listeners = new Set<() => void>();
  return {
    duration: 20, now: at,
    time() { return this.now; }, playing: () => false,
    play: async () => undefined, pause: () => undefined, destroy: () => undefined,
    seek: vi.fn(function (this: { now: number }, t: number) { this.now = t; listeners.forEach((l) => l()); }),
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

const lyrics: NonNullable<Assets["lyrics"]> = {
  language: "en",
  files: { lrc: "https://s3/l.lrc", srt: "https://s3/l.srt", txt: "https://s3/l.txt" },
  segments: [
    { text: "hello world", start_s: 0.5, end_s: 1.5, words: [
      { text: " hello", start_s: 0.5, end_s: 0.9 }, { text: " world", start_s: 1.0, end_s: 1.5 }] },
    { text: "this is a test", start_s: 3, end_s: 4.2, words: [
      { text: " this", start_s: 3, end_s: 3.2 }, { text: " is", start_s: 3.3, end_s: 3.4 },
      { text: " a", start_s: 3.5, end_s: 3.6 }, { text: " test", start_s: 3.7, end_s: 4.2 }] },
  ],
};

describe("Lyrics", () => {
  it("finds the word being sung", () => {
    const words = lyrics.segments.flatMap((s) => s.words);
    expect(wordAt(words, 0.2)).toBe(-1);
    expect(wordAt(words, 1.2)).toBe(1);
    expect(wordAt(words, 3.75)).toBe(5);
  });

  it("lights the current word and line as playback moves, and seeks on click", async () => {
    const playback = stillPlayback(1.2);
    render(<Lyrics lyrics={lyrics} playback={playback as unknown as Playback} />);
    expect(screen.getByText("world")).toHaveClass("word-active");
    expect(screen.getByText("hello")).toHaveClass("word-sung");
    act(() => playback.seek(3.35));
    expect(screen.getByText("is")).toHaveClass("word-active");
    expect(screen.getByText("is").closest("button")).toHaveClass("line-active");
    act(() => playback.seek(10));  // long after the last word: nothing lit
    expect(document.querySelector(".word-active")).toBeNull();
    await userEvent.click(screen.getByText("test"));
    expect(playback.seek).toHaveBeenLastCalledWith(3.7);
    await userEvent.click(screen.getByRole("button", { name: "hello world" }));
    expect(playback.seek).toHaveBeenLastCalledWith(0.5);
    expect(screen.getByRole("link", { name: ".srt" })).toHaveAttribute("href", "https://s3/l.srt");
  });
});

describe("Mixer", () => {
  it("mutes, solos and sets the volume of each stem from the keyboard", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("8")));
    const ctx = new FakeAudioContext();
    const mixer = await StemMixer.load(asContext(ctx), [{ name: "vocals", url: "v" }, { name: "drums", url: "d" }],
      () => undefined, new AbortController().signal);
    const stems = [{ name: "vocals", url: "https://s3/v.wav", peaks_url: "", engine: "spleeter-hpss (offline)" },
      { name: "drums", url: "https://s3/d.wav", peaks_url: "", engine: "spleeter-hpss (offline)" }];
    const user = userEvent.setup();
    render(<Mixer mixer={mixer} stems={stems} />);
    const mute = screen.getByRole("button", { name: "Mute vocals" });
    mute.focus();
    await user.keyboard(" ");
    expect(mute).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("stem-vocals")).toHaveClass("channel-silent");
    await user.click(screen.getByRole("button", { name: "Solo drums" }));
    expect(mixer.channels().map((c) => c.audible)).toEqual([false, true]);
    fireEvent.change(screen.getByRole("slider", { name: "Drums volume" }), { target: { value: "40" } });
    expect(mixer.channels()[1]!.volume).toBeCloseTo(0.4);
    expect(ctx.gains[2]!.gain.value).toBeCloseTo(0.4);
    expect(screen.getByRole("link", { name: "Download the drums stem" })).toHaveAttribute("href", "https://s3/d.wav");
  });
});

describe("Samples", () => {
  const sample = (label: string, confidence: number, n: number): Sample => ({
    key: `artists/a/tracks/t/samples/drums/${label}/${n}.wav`, label, confidence, start_s: n, end_s: n + 0.25,
    stem: "drums", url: `https://s3/${label}-${n}.wav`,
  });
  const samples = [sample("snare", 0.7, 1), sample("kick", 0.6, 2), sample("kick", 0.9, 3)];

  it("groups by class, most confident first", () => {
    expect(className("closed_hat")).toBe("Closed hat");
    expect(groupByClass(samples).map(([label, items]) => [label, items.map((s) => s.confidence)]))
      .toEqual([["kick", [0.9, 0.6]], ["snare", [0.7]]]);
  });

  it("auditions a pad on click and offers each as a download to drag out", async () => {
    const play = vi.fn(async () => undefined);
    vi.stubGlobal("Audio", vi.fn(function (this: object, src: string) { Object.assign(this, { src, play, pause: vi.fn() }); }));
    render(<Samples samples={samples} />);
    const kicks = screen.getByRole("region", { name: "Kick: 2 samples" });
    const pad = within(kicks).getByRole("button", { name: /^Audition Kick 1, from the drums stem/ });
    await userEvent.click(pad);
    expect(play).toHaveBeenCalled();
    expect(pad).toHaveAttribute("aria-pressed", "true");
    const link = within(kicks).getAllByRole("link")[0]!;
    expect(link).toHaveAttribute("href", "https://s3/kick-3.wav");
    expect(link).toHaveAttribute("draggable", "true");
  });
});

describe("JobSteps", () => {
  it("marks done, current and coming steps", () => {
    render(<JobSteps job={job({ stage: "lyrics vocals", percent: 70 })} />);
    const steps = screen.getAllByRole("listitem");
    expect(steps.map((s) => s.className)).toEqual(["step step-done", "step step-done", "step step-active", "step step-todo"]);
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "70");
  });

  it("says where and why a job failed", () => {
    render(<JobSteps job={job({ status: "failed", stage: "separate", error: "out of memory" })} />);
    expect(screen.getByText(/Failed at “separate”: out of memory/)).toBeInTheDocument();
  });
});
