/**
 * The asset studio's routes (`/api/studio`, docs/studio.md): typed calls, reply shapes and
 * TanStack Query hooks.
 *
 * The reply shapes are the API's own (`schema.d.ts`, from the reply models of
 * `functions/api/studio.py`); a job's `subject` and `result`, which the API leaves open (each
 * kind's workflow writes its own), are narrowed here to what the studio's jobs carry. Requests
 * are written out: the generated request types make every field with a default required.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, ApiError, unwrap } from "./client";
import { isFinished } from "./model";
import type { components } from "./schema";

type Schemas = components["schemas"];

// -- requests ----------------------------------------------------------------------------------

export interface NameBrief {
  artist_name: string;
  genre?: string;
  mood?: string;
  themes?: string[];
}

export interface NamesRequest extends NameBrief {
  /** a library track whose analysis (bpm, key) feeds the brief */
  track_id?: string;
  count?: number;
  seed?: number;
}

export interface PickName {
  name: string;
  brief: NameBrief;
  rationale?: string;
  track_id?: string;
}

export interface ReferenceRequest {
  filename: string;
  content_type: string;
  size_bytes: number;
}

export interface ArtworkRequest {
  prompt: string;
  artist_name: string;
  genre: string;
  mood: string;
  title?: string;
  count?: number;
  reference_keys?: string[];
  seed?: number;
  /** refine this candidate: its seed is kept (one candidate) unless `variation` is true */
  parent?: ArtworkParent;
  /** with `parent`: `count` candidates on seeds next to the parent's */
  variation?: boolean;
}

export interface ArtworkParent {
  artwork_id: string;
  candidate_id: string;
}

export interface BatchItem {
  title: string;
  artist_name: string;
  genre: string;
  mood: string;
  prompt: string;
  count?: number;
  seed?: number;
}

export type BatchRequest = { items: BatchItem[] } | { csv: string };

export interface VideoRequest {
  artwork_id: string;
  candidate_id: string;
  track_id?: string;
  seconds?: number;
}

export interface StyleEdit {
  palette: string[];
  fonts: string[];
  moods: string[];
  notes?: string;
}

// -- replies -----------------------------------------------------------------------------------

export type NameCandidate = Schemas["NameCandidate"];
export type NamesReply = Schemas["NameSuggestions"];
export type DnaVersionReply = Schemas["DnaVersion"];
export type PickNameReply = Schemas["PickedName"];
export type ReferenceUpload = Schemas["Presigned"];
export type ArtworkCandidate = Schemas["ArtworkCandidate"];
/** A cleaned brief: empty fields are left out. */
export type ArtworkBrief = Schemas["Brief"];
export type ReferenceDescription = Schemas["ReferenceDescription"];
export type Artwork = Schemas["Artwork"];
/** queued while its job runs; then ok, partial (some candidates refused), refused or failed */
export type ArtworkStatus = Artwork["status"];
export type ArtworkSummary = Schemas["ArtworkSummary"];
export type ArtworkPage = Schemas["ArtworkPage"];
export type BatchItemReport = Schemas["BatchItemReport"];
/** `GET /studio/batches/{job_id}`: the plan while the job runs, then the report with fresh URLs. */
export type BatchReport = Schemas["BatchRunning"] | Schemas["BatchReport"];
export type Video = Schemas["Video"];
export type DnaStyle = Schemas["DnaStyle"];
export type DnaName = Schemas["DnaName"];
export type DnaArtwork = Schemas["DnaArtwork"];
export type DnaVideo = Schemas["DnaVideo"];
/** One version (artist_dna.schema.json); version 0 is the empty document of a new artist. */
export type ArtistDna = Schemas["ArtistDna"];
export type DnaHistoryEntry = Schemas["DnaHistoryEntry"];
export type DnaChange = Schemas["DnaChange"];

/** What an artwork, batch or video job works on. */
export interface StudioJobSubject {
  artwork_ids?: string[];
  title?: string;
  count?: number;
  items?: number;
  video_id?: string;
  [fact: string]: unknown;
}

/** What an artwork, batch or video job made. */
export interface StudioJobResult {
  /** artwork jobs: the artworks that made at least one image */
  artwork_ids?: string[];
  images?: number;
  items?: number;
  contact_sheet_key?: string;
  problems?: { index: number; title: string; status: string; reason: string }[];
  /** video jobs */
  video_id?: string;
  video_url?: string;
  seconds?: number;
  width?: number;
  height?: number;
  provider?: string;
  model?: string;
  offline?: boolean;
  audio?: boolean;
  dna_version?: number;
  [fact: string]: unknown;
}

export type StudioJob = Omit<Schemas["Job"], "subject" | "result"> & { subject: StudioJobSubject; result: StudioJobResult };

// -- calls -------------------------------------------------------------------------------------

type Method = "get" | "post" | "put";
interface Init {
  params?: { path?: Record<string, string>; query?: Record<string, string | number | undefined> };
  body?: unknown;
  signal?: AbortSignal;
}
const untyped = api as unknown as {
  request(method: Method, url: string, init?: Init): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const call = <T>(method: Method, url: string, init?: Init) => unwrap<T>(untyped.request(method, url, init));

export const studio = {
  names: (brief: NamesRequest) => call<NamesReply>("post", "/studio/names", { body: brief }),
  pickName: (pick: PickName) => call<PickNameReply>("post", "/studio/names/pick", { body: pick }),
  reference: (file: ReferenceRequest) => call<ReferenceUpload>("post", "/studio/references", { body: file }),
  artwork: (request: ArtworkRequest) => call<StudioJob>("post", "/studio/artwork", { body: request }),
  batch: (request: BatchRequest) => call<StudioJob>("post", "/studio/artwork/batch", { body: request }),
  artworks: (cursor: string | null, signal?: AbortSignal) =>
    call<ArtworkPage>("get", "/studio/artwork", { params: { query: { limit: 24, cursor: cursor ?? undefined } }, signal }),
  artworkById: (artworkId: string, signal?: AbortSignal) =>
    call<Artwork>("get", "/studio/artwork/{artwork_id}", { params: { path: { artwork_id: artworkId } }, signal }),
  pickArtwork: (artworkId: string, candidateId: string) =>
    call<DnaVersionReply>("post", "/studio/artwork/{artwork_id}/pick", {
      params: { path: { artwork_id: artworkId } }, body: { candidate_id: candidateId },
    }),
  batchReport: (jobId: string, signal?: AbortSignal) =>
    call<BatchReport>("get", "/studio/batches/{job_id}", { params: { path: { job_id: jobId } }, signal }),
  video: (request: VideoRequest) => call<StudioJob>("post", "/studio/video", { body: request }),
  videoById: (videoId: string, signal?: AbortSignal) =>
    call<Video>("get", "/studio/video/{video_id}", { params: { path: { video_id: videoId } }, signal }),
  dna: (version: number | null, signal?: AbortSignal) =>
    call<ArtistDna>("get", "/studio/dna", { params: { query: { version: version ?? undefined } }, signal }),
  history: (signal?: AbortSignal) => call<DnaHistoryEntry[]>("get", "/studio/dna/history", { signal }),
  diff: (from: number, to: number, signal?: AbortSignal) =>
    call<DnaChange[]>("get", "/studio/dna/diff", { params: { query: { from, to } }, signal }),
  editStyle: (style: StyleEdit) => call<DnaVersionReply>("put", "/studio/dna/style", { body: style }),
  job: (jobId: string, signal?: AbortSignal) =>
    unwrap<StudioJob>(api.GET("/jobs/{job_id}", { params: { path: { job_id: jobId } }, signal })),
};

/** Put a reference image where the API's presigned URL says (S3 checks the signed headers). */
export async function uploadReference(file: File): Promise<string> {
  const target = await studio.reference({ filename: file.name, content_type: file.type || "application/octet-stream", size_bytes: file.size });
  let reply: Response;
  try {
    reply = await fetch(target.url, { method: "PUT", headers: target.headers, body: file });
  } catch {
    throw new ApiError("The upload could not reach storage. Check your connection.", 0);
  }
  if (!reply.ok) throw new ApiError(`Storage refused the upload (HTTP ${reply.status}).`, reply.status);
  return target.key;
}

// -- hooks -------------------------------------------------------------------------------------

const POLL_MS = 1500;
// Presigned URLs live an hour: refetch what carries them well before they expire.
const URLS_STALE_MS = 30 * 60 * 1000;

export const studioKeys = {
  all: ["studio"] as const,
  artworks: ["studio", "artworks"] as const,
  artwork: (id: string) => ["studio", "artwork", id] as const,
  dna: (version: number | null) => ["studio", "dna", version ?? "latest"] as const,
  history: ["studio", "dna-history"] as const,
  diff: (from: number, to: number) => ["studio", "dna-diff", from, to] as const,
  batch: (jobId: string) => ["studio", "batch", jobId] as const,
  video: (id: string) => ["studio", "video", id] as const,
  job: (id: string) => ["studio", "job", id] as const,
};

/** A studio job, polled until it finishes; its finish refreshes the studio's caches. */
export function useStudioJob(jobId: string | null | undefined) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: studioKeys.job(jobId ?? ""),
    queryFn: ({ signal }) => studio.job(jobId!, signal),
    enabled: Boolean(jobId),
    refetchInterval: (q) => (q.state.data && isFinished(q.state.data) ? false : POLL_MS),
  });
  const seenRunning = useRef(false);
  useEffect(() => {
    const job = query.data;
    if (!job) return;
    if (!isFinished(job)) seenRunning.current = true;
    else if (seenRunning.current) {
      seenRunning.current = false;
      void client.invalidateQueries({ queryKey: studioKeys.artworks });
      void client.invalidateQueries({ queryKey: ["studio", "dna"] });
      void client.invalidateQueries({ queryKey: studioKeys.history });
    }
  }, [client, query.data]);
  return query;
}

/** Start a studio job; the reply (202, the queued job) seeds its poll. */
export function useStartJob<T>(start: (request: T) => Promise<StudioJob>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: start,
    onSuccess: (job) => client.setQueryData(studioKeys.job(job.job_id), job),
  });
}

export function useNames() {
  return useMutation({ mutationFn: studio.names });
}

/** Anything that writes a new artistDNA version: the document and its history change. */
function useDnaWrite<T, R extends DnaVersionReply>(write: (request: T) => Promise<R>, also: readonly unknown[][] = []) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["studio", "dna"] });
      void client.invalidateQueries({ queryKey: studioKeys.history });
      for (const key of also) void client.invalidateQueries({ queryKey: key });
    },
  });
}

export function usePickName() {
  return useDnaWrite(studio.pickName, [["tracks"], ["track"]]);
}

export function usePickArtwork(artworkId: string) {
  return useDnaWrite((candidateId: string) => studio.pickArtwork(artworkId, candidateId), [
    [...studioKeys.artwork(artworkId)], [...studioKeys.artworks],
  ]);
}

export function useEditStyle() {
  return useDnaWrite(studio.editStyle);
}

export function useArtworks() {
  return useQuery({
    queryKey: studioKeys.artworks,
    queryFn: ({ signal }) => studio.artworks(null, signal),
    staleTime: URLS_STALE_MS / 6,
  });
}

export function useArtwork(artworkId: string | null | undefined) {
  return useQuery({
    queryKey: studioKeys.artwork(artworkId ?? ""),
    queryFn: ({ signal }) => studio.artworkById(artworkId!, signal),
    enabled: Boolean(artworkId),
    staleTime: URLS_STALE_MS,
    refetchOnWindowFocus: false,
  });
}

/** The latest artistDNA (`null`) or one version; a new artist's is version 0, empty. */
export function useDna(version: number | null) {
  return useQuery({
    queryKey: studioKeys.dna(version),
    queryFn: ({ signal }) => studio.dna(version, signal),
    staleTime: version === null ? 10_000 : Infinity,  // a version never changes once written
  });
}

/** The candidate of an artwork picked last (the artistDNA remembers picks, the artwork does not). */
export function usePicked(artworkId: string): string | null {
  const dna = useDna(null);
  const picks = dna.data?.artworks.filter((a) => a.artwork_id === artworkId) ?? [];
  return picks.at(-1)?.candidate_id ?? null;
}

export function useBatchReport(jobId: string, finished: boolean) {
  return useQuery({
    queryKey: studioKeys.batch(jobId),
    queryFn: ({ signal }) => studio.batchReport(jobId, signal),
    enabled: finished,
    staleTime: URLS_STALE_MS,
  });
}

export function useVideo(videoId: string) {
  return useQuery({
    queryKey: studioKeys.video(videoId),
    queryFn: ({ signal }) => studio.videoById(videoId, signal),
    staleTime: URLS_STALE_MS,
  });
}

export function useDnaHistory() {
  return useQuery({ queryKey: studioKeys.history, queryFn: ({ signal }) => studio.history(signal) });
}

export function useDnaDiff(from: number | null, to: number | null) {
  return useQuery({
    queryKey: studioKeys.diff(from ?? 0, to ?? 0),
    queryFn: ({ signal }) => studio.diff(from!, to!, signal),
    enabled: from !== null && to !== null && from !== to,
    staleTime: Infinity,  // versions never change once written
  });
}
