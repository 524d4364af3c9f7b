import type { Job, Track } from "../api/model";

export function track(overrides: Partial<Track> = {}): Track {
  return {
    artist_id: "me", track_id: "t1", title: "Night Drive", filename: "Night Drive.wav",
    media_key: "artists/me/tracks/t1/original/Night Drive.wav", size_bytes: 1_868_110, job_id: "j0",
    facts: { duration_s: 10.6, sample_rate: 44100, channels: 2, codec: "pcm_s16le" },
    artist_name: "The Testers", tags: ["demo"], source: "upload", bpm: 120, key: "A minor",
    export_key: null, processed_at: null, created_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:00:00Z",
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  return {
    artist_id: "me", job_id: "j1", kind: "audio", status: "running", stage: "separate", percent: 30,
    created_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:00:00Z", finished_at: null, error: null,
    correlation_id: null, subject: { track_id: "t1" }, result: {},
    ...overrides,
  };
}
