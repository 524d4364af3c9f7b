/**
 * Server state through TanStack Query: one hook per resource, polling while work runs, and
 * the caches that a finished job changes refreshed when it finishes.
 */
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, unwrap } from "./client";
import {
  isFinished,
  type Assets,
  type ExportStatus,
  type Job,
  type JobPage,
  type Track,
  type TrackEdit,
  type TrackPage,
  type TrackWithMedia,
} from "./model";

export interface TrackFilters {
  q?: string;
  tag?: string;
  key?: string;
  bpm_min?: number;
  bpm_max?: number;
}

const PAGE_SIZE = 50;
const POLL_MS = 1500;
// Presigned URLs live an hour: refetch assets well before they expire.
const ASSETS_STALE_MS = 30 * 60 * 1000;

export const keys = {
  tracks: (filters: TrackFilters) => ["tracks", filters] as const,
  track: (id: string) => ["track", id] as const,
  assets: (id: string) => ["assets", id] as const,
  jobs: ["jobs"] as const,
  job: (id: string) => ["job", id] as const,
  export: (id: string) => ["export", id] as const,
};

function compact(filters: TrackFilters): TrackFilters {
  return Object.fromEntries(
    Object.entries(filters).filter(([, v]) => v !== undefined && v !== "" && !Number.isNaN(v)),
  ) as TrackFilters;
}

export function useTracks(filters: TrackFilters) {
  const query = compact(filters);
  return useInfiniteQuery({
    queryKey: keys.tracks(query),
    queryFn: ({ pageParam, signal }) =>
      unwrap<TrackPage>(api.GET("/tracks", {
        params: { query: { ...query, limit: PAGE_SIZE, cursor: pageParam ?? undefined } },
        signal,
      })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: keepPreviousData,
  });
}

export function useTrack(trackId: string) {
  return useQuery({
    queryKey: keys.track(trackId),
    queryFn: ({ signal }) => unwrap<TrackWithMedia>(api.GET("/tracks/{track_id}", { params: { path: { track_id: trackId } }, signal })),
  });
}

export function useAssets(trackId: string) {
  return useQuery({
    queryKey: keys.assets(trackId),
    queryFn: ({ signal }) =>
      unwrap<Assets>(api.GET("/tracks/{track_id}/assets", { params: { path: { track_id: trackId } }, signal })),
    staleTime: ASSETS_STALE_MS,
    refetchOnWindowFocus: false,
  });
}

/** What a finished job changed: the library, and the track it worked on. */
export function refreshAfter(client: QueryClient, job: Job) {
  void client.invalidateQueries({ queryKey: ["tracks"] });
  const trackId = job.subject.track_id ?? job.result.track_id;
  if (trackId) {
    void client.invalidateQueries({ queryKey: keys.track(trackId) });
    void client.invalidateQueries({ queryKey: keys.assets(trackId) });
  }
}

/**
 * The newest jobs, polled fast while any is unfinished and slowly otherwise (work can start
 * from the CLI or the drop folder too). Jobs that finish between two polls refresh the library.
 */
export function useRecentJobs() {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: keys.jobs,
    queryFn: ({ signal }) => unwrap<JobPage>(api.GET("/jobs", { params: { query: { limit: 50 } }, signal })),
    refetchInterval: (q) => (q.state.data?.items.some((j) => !isFinished(j)) ? POLL_MS : 10_000),
  });
  const running = useRef(new Set<string>());
  useEffect(() => {
    for (const job of query.data?.items ?? []) {
      if (!isFinished(job)) running.current.add(job.job_id);
      else if (running.current.delete(job.job_id)) refreshAfter(client, job);
    }
  }, [client, query.data]);
  return query;
}

/** One job, polled until it finishes; its finish refreshes what it changed. */
export function useJob(jobId: string | null | undefined) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: keys.job(jobId ?? ""),
    queryFn: ({ signal }) => unwrap<Job>(api.GET("/jobs/{job_id}", { params: { path: { job_id: jobId! } }, signal })),
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
      refreshAfter(client, job);
    }
  }, [client, query.data]);
  return query;
}

export function useProcess() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (trackId: string) =>
      unwrap<Job>(api.POST("/tracks/{track_id}/process", { params: { path: { track_id: trackId } }, body: {} })),
    onSuccess: (job) => {
      client.setQueryData(keys.job(job.job_id), job);
      void client.invalidateQueries({ queryKey: keys.jobs });
    },
  });
}

export function useEditTrack() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ trackId, edit }: { trackId: string; edit: TrackEdit }) =>
      unwrap<Track>(api.PATCH("/tracks/{track_id}", { params: { path: { track_id: trackId } }, body: edit })),
    onSuccess: (track) => {
      client.setQueryData(keys.track(track.track_id), (old: Track | undefined) => ({ ...old, ...track }));
      void client.invalidateQueries({ queryKey: ["tracks"] });
    },
  });
}

export function useDeleteTrack() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (trackId: string) =>
      unwrap<{ track_id: string }>(api.DELETE("/tracks/{track_id}", { params: { path: { track_id: trackId } } })),
    onSuccess: ({ track_id }) => {
      client.removeQueries({ queryKey: keys.track(track_id) });
      client.removeQueries({ queryKey: keys.assets(track_id) });
      void client.invalidateQueries({ queryKey: ["tracks"] });
    },
  });
}

export function useStartExport() {
  return useMutation({
    mutationFn: (trackIds: string[]) => unwrap<Job>(api.POST("/exports", { body: { track_ids: trackIds } })),
  });
}

/** A selection's export, polled until its zip is ready (`url`) or it failed. */
export function useExport(jobId: string | null) {
  return useQuery({
    queryKey: keys.export(jobId ?? ""),
    queryFn: ({ signal }) =>
      unwrap<ExportStatus>(api.GET("/exports/{job_id}", { params: { path: { job_id: jobId! } }, signal })),
    enabled: Boolean(jobId),
    refetchInterval: (q) => (q.state.data && isFinished(q.state.data.job) ? false : POLL_MS),
  });
}
