import { afterEach, describe, expect, it, vi } from "vitest";
import { asContext, FakeAudioContext } from "../test/fakeAudio";
import { StemMixer } from "./playback";

async function mixer(ctx: FakeAudioContext, durations: Record<string, number>) {
  vi.stubGlobal("fetch", vi.fn(async (url: string) => new Response(String(durations[url.replace("https://s3/", "")]))));
  const progress: number[] = [];
  const made = await StemMixer.load(asContext(ctx),
    Object.keys(durations).map((name) => ({ name, url: `https://s3/${name}` })), (f) => progress.push(f), new AbortController().signal);
  return { made, progress };
}

describe("StemMixer", () => {
  afterEach(() => vi.useRealTimers());

  it("starts every stem on the same clock tick at the same offset", async () => {
    const ctx = new FakeAudioContext();
    const { made, progress } = await mixer(ctx, { vocals: 10, drums: 10, bass: 9.5 });
    expect(progress.at(-1)).toBe(1);
    expect(made.duration).toBe(10);
    ctx.currentTime = 5;
    made.seek(3);
    await made.play();
    const starts = ctx.sources.map((s) => s.startedAt);
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(starts[0]![1]).toBe(3);
    ctx.currentTime = starts[0]![0] + 2;
    expect(made.time()).toBeCloseTo(5);
    made.destroy();
  });

  it("seeking while playing restarts every stem together at the new place", async () => {
    const ctx = new FakeAudioContext();
    const { made } = await mixer(ctx, { vocals: 10, drums: 10 });
    await made.play();
    made.seek(7);
    expect(ctx.sources.slice(0, 2).every((s) => s.stopped)).toBe(true);
    expect(ctx.sources.slice(2).map((s) => s.startedAt![1])).toEqual([7, 7]);
    made.pause();
    expect(made.playing()).toBe(false);
    expect(made.time()).toBe(7);
  });

  it("mute and solo set each stem's gain, and tell subscribers", async () => {
    const ctx = new FakeAudioContext();
    const { made } = await mixer(ctx, { vocals: 4, drums: 4, bass: 4 });
    const heard = vi.fn();
    made.subscribe(heard);
    const gain = (i: number) => ctx.gains[i + 1]!.gain.value;  // gains[0] is the master
    made.toggleMute("vocals");
    expect([gain(0), gain(1), gain(2)]).toEqual([0, 1, 1]);
    made.toggleSolo("drums");
    expect([gain(0), gain(1), gain(2)]).toEqual([0, 1, 0]);
    made.setVolume("drums", 0.5);
    expect(gain(1)).toBe(0.5);
    made.toggleSolo("drums");
    made.toggleMute("vocals");
    expect([gain(0), gain(1), gain(2)]).toEqual([1, 0.5, 1]);
    expect(made.channels().map((c) => c.audible)).toEqual([true, true, true]);
    expect(heard).toHaveBeenCalledTimes(5);
  });

  it("stops at the end and goes back to the start", async () => {
    vi.useFakeTimers();
    const ctx = new FakeAudioContext();
    const { made } = await mixer(ctx, { vocals: 2 });
    await made.play();
    vi.advanceTimersByTime(2100);
    expect(made.playing()).toBe(false);
    expect(made.time()).toBe(0);
  });

  it("reports a stem that cannot be loaded", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("gone", { status: 403 })));
    await expect(StemMixer.load(asContext(new FakeAudioContext()), [{ name: "vocals", url: "https://s3/v" }], () => undefined,
      new AbortController().signal)).rejects.toThrow("HTTP 403");
  });
});
