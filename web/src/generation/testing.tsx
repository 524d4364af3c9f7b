/** Replies of the generation routes for the component tests (shapes: the API's reply models). */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import type { ProjectDetail, Publication, Song, Take } from "../api/generation";
import { UploadProvider } from "../upload/context";
import type { UploadBackend } from "../upload/queue";

export function song(overrides: Partial<Song> = {}): Song {
  return {
    song_id: "s1", project_id: "p1", track_id: "t1", title: "Night Drive", status: "matched", error: null,
    candidates: [],
    match: {
      recording_id: "demo-03", title: "Harbour Lights", artists: ["Mara Quill"], isrc: "ZZSMD2600003", work_id: "work:demo-03",
      holders: { "holder:x": "3/5", "holder:y": "2/5" }, holder_names: { "holder:x": "Mara Quill" }, confidence: 0.93, by: "fingerprint",
    },
    added_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:00:00Z",
    ...overrides,
  };
}

/** Ten matched songs, s0..s9 on tracks t0..t9. */
export const tenSongs = () => Array.from({ length: 10 }, (_, i) => song({ song_id: `s${i}`, track_id: `t${i}`, title: `Song ${i}` }));

export function take(overrides: Partial<Take> = {}): Take {
  return {
    take_id: "k1", project_id: "p1", seed: 1234, seconds: 30, influence: "85/100", prompt: "", status: "ready", error: null,
    job_id: "g1", engine: "offline symbolic (FluidSynth)", offline: true, duration_s: 30, kept: false,
    audio_url: "https://s3/k1.wav", preview_url: "https://s3/k1.mp3", midi_url: "https://s3/k1.mid",
    peaks: [0, 0.4, 0.8, 0.3],
    provenance: {
      track_id: "gen:k1", version: 1, isrc: null, training_works: 24, holder_weights: { "holder:x": "0.0123" },
      reference_share: "67/100", training_share: "33/100",
      reference: [
        { work_id: "work:demo-03", title: "Harbour Lights", weight: "3/20" },
        { work_id: "work:demo-04", title: "Paper Moons", weight: "1/20" },
      ],
      influence_check: {
        songs: [
          { work_id: "work:demo-03", title: "Harbour Lights", requested: "0.7500", measured: "0.4000" },
          { work_id: "work:demo-04", title: "Paper Moons", requested: "0.2500", measured: "0.6000" },
        ],
        distance: "0.3500", tolerance: "3/10", verdict: "flagged for review",
        split_uses: "requested weights until a royalty admin reviews them",
        method: "symbolic n-gram mixture", reviewed_version: null,
      },
    },
    publication: null, created_at: "2026-01-02T11:00:00Z", updated_at: "2026-01-02T11:00:00Z",
    ...overrides,
  };
}

export function detail(overrides: Partial<ProjectDetail> = {}): ProjectDetail {
  return {
    project: { project_id: "p1", name: "Summer single", kept_take_id: null, song_count: 10, identify_job_id: null,
      created_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:00:00Z" },
    songs: tenSongs(), takes: [], ready: true, refusal: null, identify_job: null,
    ...overrides,
  };
}

export function publication(overrides: Partial<Publication> = {}): Publication {
  return {
    release_id: "r1", content_hash: "abc", status: "queued", requested_at: "2026-01-02T11:50:00Z",
    updated_at: "2026-01-02T11:50:00Z", attempts: 0, max_attempts: 5, next_try_at: null, last_error: null, reason: null,
    package_prefix: null, package_files: [], distributor_status: null, sent_at: null, isrc: "ZZSMG2600001", artwork: null,
    release: {
      release_id: "r1", title: "Summer single", artist: "me", isrc: "ZZSMG2600001", genre: "Pop", release_date: "2026-01-02",
      p_line: "2026 me", c_line: "2026 me", label: "", upc: null, duration_s: 30,
      audio: { key: "artists/me/generation/p1/takes/k1/master.wav", format: "wav", size: 5_292_044, md5: "m", sha256: "s" },
      artwork: { key: "artists/me/generation/p1/takes/k1/cover.png", format: "png", size: 1024, md5: "m", sha256: "s" },
      splits: [{ holder_id: "holder:x", share_percent: "100.0000", name: "Mara Quill" }],
    },
    steps: {},
    ...overrides,
  };
}

/** `renderApp` with an upload backend of the test's choosing (uploads that really finish). */
export function renderWithUploads(ui: ReactElement, backend: UploadBackend, { route = "/", path = "/" } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        <UploadProvider backend={backend}>
          <Routes>
            <Route path={path} element={ui} />
          </Routes>
        </UploadProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
