/** Replies of the studio routes for the component tests (shapes from docs/studio.md). */
import { vi } from "vitest";
import type { Artwork, ArtistDna, StudioJob } from "../api/studio";
import { job } from "../test/fixtures";
import { mockApi } from "../test/utils";

export function studioJob(overrides: Partial<StudioJob> = {}): StudioJob {
  return { ...job(), kind: "artwork", subject: {}, result: {}, ...overrides } as StudioJob;
}

export function artwork(overrides: Partial<Artwork> = {}): Artwork {
  return {
    artwork_id: "a1", created_at: "2026-01-02T10:00:00Z", job_id: "j1", status: "ok",
    brief: { artist_name: "Nova", genre: "synthwave", mood: "nostalgic", prompt: "a neon rooftop at night", title: "Night Drive" },
    prompt: "a neon rooftop at night",
    final_prompt: 'a neon rooftop at night. Album cover artwork for "Night Drive" by Nova. colour palette #ff00ff',
    parent: null, variation: false, references: [], errors: [],
    candidates: [
      { candidate_id: "c01", seed: 11, url: "https://s3/c01.png", provider: "offline", model: "procedural-v1", offline: true, cost_usd: "0", width: 1024, height: 1024 },
      { candidate_id: "c02", seed: 12, url: "https://s3/c02.png", provider: "offline", model: "procedural-v1", offline: true, cost_usd: "0", width: 1024, height: 1024 },
    ],
    ...overrides,
  };
}

export const EMPTY_DNA: ArtistDna = {
  schema: "soundmosaic/artist-dna/1", artist_id: "tester", version: 0, created_at: "2026-01-01T10:00:00Z", change: "empty",
  style: { palette: [], fonts: [], moods: [] }, names: [], artworks: [], videos: [],
};

export function dna(overrides: Partial<ArtistDna> = {}): ArtistDna {
  return {
    schema: "soundmosaic/artist-dna/1", artist_id: "tester", version: 3, created_at: "2026-01-03T10:00:00Z",
    change: "picked artwork c01 for Night Drive",
    style: { palette: ["#ff00ff", "#101030"], fonts: ["Space Grotesk"], moods: ["nocturnal"], notes: "Rain and neon." },
    names: [{ name: "Neon Tide", rationale: "water and light", chosen_at: "2026-01-02T10:00:00Z",
      brief: { artist_name: "Nova", genre: "synthwave", mood: "nostalgic", themes: ["night"] } }],
    artworks: [{ artwork_id: "a1", candidate_id: "c01", title: "Night Drive", prompt: "a neon rooftop", final_prompt: "a neon rooftop, album cover",
      seed: 11, provider: "offline", model: "procedural-v1", offline: true, media_key: "artists/tester/studio/artwork/a1/c01.png",
      chosen_at: "2026-01-03T10:00:00Z" }],
    videos: [],
    ...overrides,
  };
}

/**
 * `mockApi` for the API, plus presigned storage URLs (`https://s3/...`) answered apart:
 * returns the API calls and the storage requests.
 */
export function mockStudio(routes: Parameters<typeof mockApi>[0]) {
  const calls = mockApi(routes);
  const apiFetch = globalThis.fetch;
  const storage: { method: string; url: string; headers: Record<string, string> }[] = [];
  vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.startsWith("https://s3/")) return apiFetch(input, init);
    storage.push({ method: init?.method ?? "GET", url, headers: Object.fromEntries(new Headers(init?.headers).entries()) });
    return new Response(null, { status: 200 });
  });
  return { calls, storage };
}

export const noTracks = { "GET /tracks": () => ({ items: [], next_cursor: null }) };
