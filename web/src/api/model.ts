/**
 * The shapes of the library's and the audio lab's requests and replies.
 *
 * All of them come from `schema.d.ts`, generated from `web/openapi.json` (the API's own OpenAPI
 * document: every route declares its reply model, in `functions/api/library.py` and `audio.py`).
 * Only what the API leaves open is narrowed here: a job's `subject` and `result` (each kind's
 * workflow writes its own), and the audiowaveform file a `peaks_url` serves (not an API reply).
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type UploadRequest = Schemas["UploadRequest"];
export type UploadPart = Schemas["UploadPart"];
export type TrackEdit = Schemas["TrackEdit"];

export type JobStatus = Schemas["Job"]["status"];

/** What a library, audio or export job works on (the keys the SPA reads). */
export interface JobSubject {
  key?: string;
  filename?: string;
  track_id?: string;
  track_ids?: string[];
  stages?: string[];
  [fact: string]: unknown;
}

/** What a library, audio or export job made (the keys the SPA reads). */
export interface JobResult {
  track_id?: string;
  title?: string;
  export_key?: string;
  [fact: string]: unknown;
}

export type Job = Omit<Schemas["Job"], "subject" | "result"> & { subject: JobSubject; result: JobResult };
export type JobPage = Omit<Schemas["JobPage"], "items"> & { items: Job[] };

export type AudioFacts = Schemas["AudioFacts"];
export type Track = Schemas["Track"];
/** `GET /tracks/{track_id}`: the track with a presigned GET of its original file. */
export type TrackWithMedia = Schemas["TrackWithMedia"];
export type TrackPage = Schemas["TrackPage"];

export type SingleUpload = Schemas["SingleUpload"];
export type MultipartUpload = Schemas["MultipartUpload"];
export type UploadSession = SingleUpload | MultipartUpload;

export type Note = Schemas["Note"];
export type Word = Schemas["Word"];
export type LyricSegment = Schemas["Segment"];
export type Sample = Schemas["Sample"];
export type Assets = Schemas["Assets"];
export type ExportStatus = Omit<Schemas["ExportStatus"], "job"> & { job: Job };

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
