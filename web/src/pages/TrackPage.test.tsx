import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Assets } from "../api/model";
import { FakeAudioContext } from "../test/fakeAudio";
import { job, track } from "../test/fixtures";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import TrackPage from "./TrackPage";

vi.mock("wavesurfer.js", () => ({
  default: { create: () => ({ on: vi.fn(), setTime: vi.fn(), destroy: vi.fn() }) },
}));

const bare: Assets = {
  track_id: "t1", title: "Night Drive", analysis: null, peaks_url: null, original_url: "https://s3/original.wav",
  stems: [], midi: [], lyrics: null, samples: [], export_url: null,
};

const processed: Assets = {
  ...bare,
  analysis: { bpm: 120, key: "A minor", duration_s: 10.6 },
  peaks_url: "https://s3/peaks.json",
  stems: ["vocals", "drums", "bass", "other"].map((name) => ({ name, url: `https://s3/${name}.wav`, peaks_url: "", engine: "spleeter-hpss (offline)" })),
  midi: [{ stem: "other", url: "https://s3/other.mid", engine: "basic-pitch", bpm: 120,
    notes: [{ start_s: 0, end_s: 1, pitch: 57, velocity: 90 }, { start_s: 1, end_s: 2, pitch: 60, velocity: 70 }] }],
  lyrics: { language: "en", files: { lrc: "l", srt: "s", txt: "t" },
    segments: [{ text: "hello world", start_s: 0.5, end_s: 1.5, words: [{ text: "hello", start_s: 0.5, end_s: 0.9 }, { text: "world", start_s: 1, end_s: 1.5 }] }] },
  samples: [{ key: "a/samples/drums/kick/1.wav", label: "kick", confidence: 0.9, start_s: 0, end_s: 0.2, stem: "drums", url: "https://s3/k.wav" }],
  export_url: "https://s3/The Testers - Night Drive.zip",
};

function storage(): typeof fetch {
  return vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith("peaks.json")) return Response.json({ version: 2, channels: 1, sample_rate: 100, samples_per_pixel: 1, bits: 8, length: 2, data: [-10, 10, -20, 20] });
    return new Response("10.6");  // a "stem": FakeAudioContext decodes it as its duration
  }) as unknown as typeof fetch;
}

function api(routes: Parameters<typeof mockApi>[0]) {
  mockApi(routes);
  const apiFetch = globalThis.fetch;
  const s3 = storage();
  vi.stubGlobal("fetch", (input: Request | string, init?: RequestInit) =>
    String(input instanceof Request ? input.url : input).startsWith("https://s3/") ? s3(input, init) : apiFetch(input, init));
}

describe("TrackPage", () => {
  beforeEach(() => {
    signInForTest();
    vi.stubGlobal("AudioContext", FakeAudioContext);
  });

  it("offers processing for a new track and follows the job stage by stage", async () => {
    let polls = 0;
    api({
      "GET /tracks/{id}": () => track(),
      "GET /tracks/{id}/assets": () => bare,
      "GET /jobs": () => ({ items: [], next_cursor: null }),
      "POST /tracks/{id}/process": () => Response.json(job({ job_id: "p1", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /jobs/{id}": () => job({ job_id: "p1", stage: ++polls < 2 ? "decode" : "separate", percent: polls < 2 ? 5 : 30 }),
    });
    renderApp(<TrackPage />, { route: "/tracks/t1", path: "/tracks/:trackId" });
    expect(await screen.findByRole("heading", { level: 1, name: "Night Drive" })).toBeInTheDocument();
    expect(await screen.findByText("Not processed yet")).toBeInTheDocument();
    expect(screen.getByText(/appears once the track is processed/)).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("process"));
    expect(await screen.findByText(/Waiting to start|Working/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText("separate")).toBeInTheDocument(), { timeout: 5000 });
    expect(screen.getByTestId("process")).toBeDisabled();
  });

  it("shows the mixer, lyrics, piano roll, samples and the export of a processed track", async () => {
    api({
      "GET /tracks/{id}": () => track({ processed_at: "2026-01-02T11:00:00Z", export_key: "x.zip" }),
      "GET /tracks/{id}/assets": () => processed,
      "GET /jobs": () => ({ items: [], next_cursor: null }),
    });
    renderApp(<TrackPage />, { route: "/tracks/t1", path: "/tracks/:trackId" });
    expect(await screen.findByRole("button", { name: "Mute vocals" })).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /^Mute/ })).toHaveLength(4); // vocals, drums, bass, other
    expect(screen.getByTestId("lyrics")).toHaveTextContent("hello world");
    expect(screen.getByRole("tab", { name: "other" })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByText(/2 notes · basic-pitch · 120 bpm/)).toBeInTheDocument();
    expect(within(screen.getByTestId("samples")).getByRole("heading", { name: /Kick/ })).toBeInTheDocument();
    expect(screen.getByTestId("export-download")).toHaveAttribute("href", processed.export_url);
    expect(screen.getByRole("button", { name: "Re-process" })).toBeEnabled();
    expect(screen.getByTestId("play")).toBeEnabled();
  });

  it("says when the track is not there", async () => {
    api({
      "GET /tracks/{id}": () => Response.json({ message: "no track nope" }, { status: 404 }),
      "GET /tracks/{id}/assets": () => Response.json({ message: "no track nope" }, { status: 404 }),
      "GET /jobs": () => ({ items: [], next_cursor: null }),
    });
    renderApp(<TrackPage />, { route: "/tracks/nope", path: "/tracks/:trackId" });
    expect(await screen.findByText("This track is not in your library")).toBeInTheDocument();
  });
});
