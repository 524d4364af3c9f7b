/**
 * The shapes of the API's replies.
 *
 * Requests (paths, query parameters, bodies) are typed by `schema.d.ts`, generated from
 * `web/openapi.json`. The API declares its replies as free-form objects, so their fields are
 * written down here, from `functions/api/app.py` and the records it returns
 * (`soundmosaic.library.tracks.Track`, `soundmosaic.platform.jobs.Job`,
 * `soundmosaic.audio.service.assets`).
 */
import type { components } from "./schema";

export type UploadRequest = components["schemas"]["UploadRequest"];
export type UploadPart = components["schemas"]["UploadPart"];
export type TrackEdit = components["schemas"]["TrackEdit"];

export type JobStatus = "queued" | "running" | "succeeded" | "failed";
export type JobKind = "ingest" | "audio" | "export";

export interface Job {
  job_id: string;
  kind: JobKind;
  status: JobStatus;
  stage: string;
  percent: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  error: string | null;
  subject: { key?: string; filename?: string; track_id?: string; track_ids?: string[]; stages?: string[] };
  result: { track_id?: string; title?: string; export_key?: string };
}

export interface AudioFacts {
  duration_s?: number;
  sample_rate?: number;
  channels?: number;
  codec?: string;
  [fact: string]: unknown;
}

export interface Track {
  track_id: string;
  title: string;
  filename: string;
  size_bytes: number;
  facts: AudioFacts;
  artist_name: string | null;
  tags: string[];
  source: string;
  bpm: number | null;
  key: string | null;
  export_key: string | null;
  processed_at: string | null;
  created_at: string;
  updated_at: string;
  media_url?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface SingleUpload {
  upload_id: string;
  key: string;
  multipart: false;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
}

export interface MultipartUpload {
  upload_id: string;
  key: string;
  multipart: true;
  s3_upload_id: string;
  part_size: number;
  parts: { part_number: number; url: string }[];
  method: "PUT";
}

export type UploadSession = SingleUpload | MultipartUpload;

export interface Note {
  start_s: number;
  end_s: number;
  pitch: number;
  velocity: number;
}

export interface Word {
  text: string;
  start_s: number;
  end_s: number;
  probability?: number;
}

export interface LyricSegment {
  text: string;
  start_s: number;
  end_s: number;
  words: Word[];
}

export interface Sample {
  key: string;
  label: string;
  confidence: number;
  start_s: number;
  end_s: number;
  stem: string;
  url: string;
}

export interface Assets {
  track_id: string;
  title: string;
  analysis: { bpm: number | null; key: string | null; key_confidence?: number; duration_s: number } | null;
  peaks_url: string | null;
  original_url: string;
  stems: { name: string; url: string; peaks_url: string; engine: string | null }[];
  midi: { stem: string; url: string; engine: string; bpm: number | null; notes: Note[] }[];
  lyrics: {
    language: string;
    segments: LyricSegment[];
    files: { lrc: string; srt: string; txt: string };
  } | null;
  samples: Sample[];
  export_url: string | null;
}

export interface ExportStatus {
  job: Job;
  url: string | null;
}

/** audiowaveform JSON, version 2 (what `peaks_url` serves). */
export interface Peaks {
  version: 2;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 8 | 16;
  length: number;
  data: number[];
}

export const isFinished = (job: Pick<Job, "status">) => job.status === "succeeded" || job.status === "failed";
