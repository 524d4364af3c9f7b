/**
 * Song generation (`/api/generation`, docs/generation.md): projects of ten reference songs,
 * their catalog matches, takes and publication. Typed calls, reply shapes and TanStack Query
 * hooks.
 *
 * The shapes are the API's own (`schema.d.ts`, from the reply models of
 * `functions/api/generation.py`, `catalog.py` and `publishing.py`). The calls go through the
 * openapi-fetch client (bearer token, 401 handling) by path and method.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { Job } from "./model";
import type { components } from "./schema";

type Schemas = components["schemas"];

// -- replies -----------------------------------------------------------------------------------

export type Candidate = Schemas["Candidate"];
export type Match = Schemas["Match"];
export type Song = Schemas["Song"];
export type SongStatus = Song["status"];
export type ReferenceWeight = Schemas["ReferenceWeight"];
export type TakeProvenance = Schemas["TakeProvenance"];
export type InfluenceCheck = Schemas["InfluenceCheck"];
export type Publication = Schemas["Publication"];
export type PublicationStatus = Publication["status"];
export type Take = Schemas["Take"];
export type TakeStatus = Take["status"];
export type Project = Schemas["Project"];
export type ProjectSummary = Schemas["ProjectSummary"];
export type ProjectDetail = Schemas["ProjectDetail"];
export type CatalogEntry = Schemas["CatalogEntry"];
export type ExternalEntry = Schemas["ExternalEntry"];
export type PendingRights = Schemas["PendingRights"];
export type RightsAdded = Schemas["RightsAdded"];
export type HolderRole = NonNullable<Schemas["RightsRequest"]["holder_roles"]>[string];

// -- requests ----------------------------------------------------------------------------------
// Written out: the generated request types (openapi-typescript) make every field with a default
// required, while the SPA sends only what the user chose and the API fills in the rest.

export interface TakeRequest {
  seed?: number;
  seconds?: number;
  /** exact: "85/100" */
  influence?: string;
  prompt?: string;
  /** song_id -> exact relative weight ("3"); a song not named weighs 1 */
  weights?: Record<string, string>;
}

/** A royalty admin's rights form (`POST /generation/rights`): shares exact, summing to 1. */
export interface RightsRequest {
  recording_id: string;
  holders: Record<string, string>;
  holder_names?: Record<string, string>;
  holder_roles?: Record<string, HolderRole>;
  reason: string;
}

export interface PublishRequest {
  title: string;
  artist?: string;
  genre: string;
  release_date?: string;
  isrc?: string;
  artwork_id?: string;
  label?: string;
}

// -- calls -------------------------------------------------------------------------------------

type Method = "get" | "post" | "put" | "delete";
interface Init {
  params?: { path?: Record<string, string>; query?: Record<string, string | number | undefined> };
  body?: unknown;
  signal?: AbortSignal;
}
const untyped = api as unknown as {
  request(method: Method, url: string, init?: Init): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const call = <T>(method: Method, url: string, init?: Init) => unwrap<T>(untyped.request(method, url, init));

const P = "/generation/projects/{project_id}";
const path = (project_id: string, extra: Record<string, string> = {}) => ({ path: { project_id, ...extra } });

export const generation = {
  projects: (signal?: AbortSignal) => call<Schemas["ProjectList"]>("get", "/generation/projects", { signal }),
  createProject: (name: string) => call<Project>("post", "/generation/projects", { body: { name } }),
  project: (projectId: string, signal?: AbortSignal) => call<ProjectDetail>("get", P, { params: path(projectId), signal }),
  deleteProject: (projectId: string) => call<null>("delete", P, { params: path(projectId) }),
  addSongs: (projectId: string, trackIds: string[]) =>
    call<Schemas["SongsAdded"]>("post", `${P}/songs`, { params: path(projectId), body: { track_ids: trackIds } }),
  removeSong: (projectId: string, songId: string) =>
    call<null>("delete", `${P}/songs/{song_id}`, { params: path(projectId, { song_id: songId }) }),
  matchSong: (projectId: string, songId: string, recordingId: string) =>
    call<Song>("put", `${P}/songs/{song_id}/match`, { params: path(projectId, { song_id: songId }), body: { recording_id: recordingId } }),
  identifySong: (projectId: string, songId: string) =>
    call<Schemas["SongIdentifying"]>("post", `${P}/songs/{song_id}/identify`, { params: path(projectId, { song_id: songId }) }),
  catalog: (q: string, signal?: AbortSignal) =>
    call<Schemas["CatalogResults"]>("get", "/generation/catalog", { params: { query: { q, limit: 20 } }, signal }),
  catalogSources: (signal?: AbortSignal) =>
    call<Schemas["CatalogSources"]>("get", "/generation/catalog/sources", { signal }),
  externalCatalog: (source: string, q: string, signal?: AbortSignal) =>
    call<Schemas["ExternalResults"]>("get", "/generation/catalog/external", { params: { query: { source, q, limit: 10 } }, signal }),
  pendingRights: (signal?: AbortSignal) =>
    call<Schemas["PendingList"]>("get", "/generation/rights/pending", { signal }),
  addRights: (request: RightsRequest) => call<RightsAdded>("post", "/generation/rights", { body: request }),
  generate: (projectId: string, request: TakeRequest) =>
    call<Schemas["TakeStarted"]>("post", `${P}/takes`, { params: path(projectId), body: request }),
  take: (projectId: string, takeId: string, signal?: AbortSignal) =>
    call<Take>("get", `${P}/takes/{take_id}`, { params: path(projectId, { take_id: takeId }), signal }),
  keep: (projectId: string, takeId: string) =>
    call<Take>("post", `${P}/takes/{take_id}/keep`, { params: path(projectId, { take_id: takeId }) }),
  publish: (projectId: string, takeId: string, request: PublishRequest) =>
    call<Publication>("post", `${P}/takes/{take_id}/publish`, { params: path(projectId, { take_id: takeId }), body: request }),
  publication: (projectId: string, takeId: string, signal?: AbortSignal) =>
    call<Publication>("get", `${P}/takes/{take_id}/publication`, { params: path(projectId, { take_id: takeId }), signal }),
  retryPublication: (projectId: string, takeId: string) =>
    call<Publication>("post", `${P}/takes/{take_id}/publication/retry`, { params: path(projectId, { take_id: takeId }) }),
  job: (jobId: string, signal?: AbortSignal) =>
    unwrap<Job>(api.GET("/jobs/{job_id}", { params: { path: { job_id: jobId } }, signal })),
};

// -- hooks -------------------------------------------------------------------------------------

export const POLL_MS = 1500;

export const generationKeys = {
  projects: ["generation", "projects"] as const,
  project: (id: string) => ["generation", "project", id] as const,
  catalog: (q: string) => ["generation", "catalog", q] as const,
  external: (source: string, q: string) => ["generation", "catalog", source, q] as const,
  sources: () => ["generation", "catalog-sources"] as const,
  pendingRights: ["generation", "rights", "pending"] as const,
  publication: (projectId: string, takeId: string) => ["generation", "publication", projectId, takeId] as const,
  job: (id: string) => ["generation", "job", id] as const,
};

/** Songs being identified or takes being generated: the project must be polled. */
export function isBusy(detail: ProjectDetail | undefined): boolean {
  if (!detail) return false;
  return detail.songs.some((s) => s.status === "identifying") || detail.takes.some((t) => t.status === "generating");
}

export const FINAL_PUBLICATION: PublicationStatus[] = ["submitted", "failed"];

export function useProjects() {
  return useQuery({ queryKey: generationKeys.projects, queryFn: ({ signal }) => generation.projects(signal) });
}

export function useCreateProject() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: generation.createProject,
    onSuccess: () => void client.invalidateQueries({ queryKey: generationKeys.projects }),
  });
}

export function useDeleteProject() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: generation.deleteProject,
    onSuccess: () => void client.invalidateQueries({ queryKey: generationKeys.projects }),
  });
}

/** A project with its songs and takes, polled while songs are identified or takes generated. */
export function useProject(projectId: string) {
  return useQuery({
    queryKey: generationKeys.project(projectId),
    queryFn: ({ signal }) => generation.project(projectId, signal),
    refetchInterval: (q) => (isBusy(q.state.data) ? POLL_MS : false),
  });
}

/** Any write to a project: its detail (and the list's counters) are read again. */
function useProjectWrite<T, R>(projectId: string, write: (request: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: generationKeys.project(projectId) });
      void client.invalidateQueries({ queryKey: generationKeys.projects });
    },
  });
}

export const useAddSongs = (projectId: string) =>
  useProjectWrite(projectId, (trackIds: string[]) => generation.addSongs(projectId, trackIds));
export const useRemoveSong = (projectId: string) =>
  useProjectWrite(projectId, (songId: string) => generation.removeSong(projectId, songId));
export const useMatchSong = (projectId: string) =>
  useProjectWrite(projectId, ({ songId, recordingId }: { songId: string; recordingId: string }) =>
    generation.matchSong(projectId, songId, recordingId));
export const useIdentifySong = (projectId: string) =>
  useProjectWrite(projectId, (songId: string) => generation.identifySong(projectId, songId));
export const useGenerate = (projectId: string) =>
  useProjectWrite(projectId, (request: TakeRequest) => generation.generate(projectId, request));
export const useKeep = (projectId: string) =>
  useProjectWrite(projectId, (takeId: string) => generation.keep(projectId, takeId));

export function useCatalogSearch(q: string) {
  const text = q.trim();
  return useQuery({
    queryKey: generationKeys.catalog(text),
    queryFn: ({ signal }) => generation.catalog(text, signal),
    enabled: text.length >= 2,
    staleTime: 60_000,
  });
}

/** The catalogs in use: the local one, and the named ones whose keys are configured. */
export function useCatalogSources() {
  return useQuery({ queryKey: generationKeys.sources(), queryFn: ({ signal }) => generation.catalogSources(signal), staleTime: 300_000 });
}

/** A named catalog's songs (Apple Music), with whether the platform knows their rights. */
export function useExternalSearch(source: string, q: string) {
  const text = q.trim();
  return useQuery({
    queryKey: generationKeys.external(source, text),
    queryFn: ({ signal }) => generation.externalCatalog(source, text, signal),
    enabled: source !== "local" && text.length >= 2,
    staleTime: 60_000,
  });
}

/** A job (generation), polled until it finishes. */
export function useGenerationJob(jobId: string | null | undefined) {
  return useQuery({
    queryKey: generationKeys.job(jobId ?? ""),
    queryFn: ({ signal }) => generation.job(jobId!, signal),
    enabled: Boolean(jobId),
    refetchInterval: (q) => (q.state.data && (q.state.data.status === "succeeded" || q.state.data.status === "failed") ? false : POLL_MS),
  });
}

/** A take's publication, polled until it is submitted or failed for good. */
export function usePublication(projectId: string, takeId: string, enabled: boolean) {
  return useQuery({
    queryKey: generationKeys.publication(projectId, takeId),
    queryFn: ({ signal }) => generation.publication(projectId, takeId, signal),
    enabled,
    refetchInterval: (q) => (q.state.data && FINAL_PUBLICATION.includes(q.state.data.status) ? false : POLL_MS),
  });
}

function usePublicationWrite<T>(projectId: string, takeId: string, write: (request: T) => Promise<Publication>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: (publication) => {
      client.setQueryData(generationKeys.publication(projectId, takeId), publication);
      void client.invalidateQueries({ queryKey: generationKeys.project(projectId) });
    },
  });
}

export const usePublish = (projectId: string, takeId: string) =>
  usePublicationWrite(projectId, takeId, (request: PublishRequest) => generation.publish(projectId, takeId, request));
export const useRetryPublication = (projectId: string, takeId: string) =>
  usePublicationWrite(projectId, takeId, (_: void) => generation.retryPublication(projectId, takeId));

/** The recordings waiting for rights holders (royalty admins only: others get 403). */
export function usePendingRights(enabled = true) {
  return useQuery({ queryKey: generationKeys.pendingRights, queryFn: ({ signal }) => generation.pendingRights(signal), enabled });
}

/** Add a recording's rights holders; the pending list and every project are read again. */
export function useAddRights() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: generation.addRights,
    onSuccess: () => void client.invalidateQueries({ queryKey: ["generation"] }),
  });
}
