/**
 * The samples routes (`/api/samples`, functions/api/samples.py): search and filter every sample
 * of the library, similar sounds, the 2-D map, edits, deletes and sample packs.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];
export type LibrarySample = Schemas["LibrarySample"];
export type SamplePage = Schemas["LibrarySamplePage"];
export type MapPoint = Schemas["MapPoint"];
export type SamplePack = Schemas["SamplePack"];

export const CLASSES = ["kick", "snare", "clap", "closed_hat", "open_hat", "cymbal", "tom", "percussion",
  "vocal", "bass", "tonal", "fx"] as const;

export interface SampleFilters {
  q?: string;
  class?: string;
  confidence_min?: number;
  track_id?: string;
  stem?: string;
  key?: string;
  tag?: string;
  starred?: boolean;
  bpm_min?: number;
  bpm_max?: number;
  duration_min?: number;
  duration_max?: number;
  loudness_min?: number;
  loudness_max?: number;
  similar_to?: string;
  kind?: "sample" | "stem";
}

/** The query string of `filters`: empty values left out. */
export function sampleQuery(filters: SampleFilters, cursor?: string | null): Record<string, string | number | boolean> {
  const query: Record<string, string | number | boolean> = { limit: 50 };
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined || value === "" || (typeof value === "number" && Number.isNaN(value))) continue;
    query[name] = value;
  }
  if (cursor) query.cursor = cursor;
  return query;
}

type Query = Record<string, string | number | boolean>;
const untyped = api as unknown as {
  GET(url: string, init: { params: { query?: Query; path?: Record<string, string> } }): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  PATCH(url: string, init: { params: { path: Record<string, string> }; body: unknown }): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  DELETE(url: string, init: { params: { path: Record<string, string> } }): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  POST(url: string, init: { body: unknown }): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};

export const samplesApi = {
  page: (filters: SampleFilters, cursor?: string | null) =>
    unwrap<SamplePage>(untyped.GET("/samples", { params: { query: sampleQuery(filters, cursor) } })),
  similar: (sampleId: string, otherTracks: boolean) =>
    unwrap<{ items: LibrarySample[] }>(untyped.GET("/samples/{sample_id}/similar", {
      params: { path: { sample_id: sampleId }, query: { limit: 20, other_tracks: otherTracks } } })),
  map: () => unwrap<{ points: MapPoint[] }>(untyped.GET("/samples/map", { params: { query: { limit: 3000 } } })),
  edit: (sampleId: string, body: { name?: string; tags?: string[]; class?: string; starred?: boolean }) =>
    unwrap<LibrarySample>(untyped.PATCH("/samples/{sample_id}", { params: { path: { sample_id: sampleId } }, body })),
  remove: (sampleId: string) =>
    unwrap<{ deleted: boolean }>(untyped.DELETE("/samples/{sample_id}", { params: { path: { sample_id: sampleId } } })),
  editStem: (trackId: string, stem: string, body: { name?: string; tags?: string[]; starred?: boolean }) =>
    unwrap<LibrarySample>(untyped.PATCH("/tracks/{track_id}/stems/{stem}", { params: { path: { track_id: trackId, stem } }, body })),
  removeStem: (trackId: string, stem: string) =>
    unwrap<{ deleted: boolean }>(untyped.DELETE("/tracks/{track_id}/stems/{stem}", { params: { path: { track_id: trackId, stem } } })),
  pack: (sampleIds: string[]) => unwrap<SamplePack>(untyped.POST("/samples/pack", { body: { sample_ids: sampleIds } })),
};

export function useSamples(filters: SampleFilters, cursor: string | null) {
  return useQuery({ queryKey: ["samples", filters, cursor], queryFn: () => samplesApi.page(filters, cursor) });
}

export function useSampleMap(enabled: boolean) {
  return useQuery({ queryKey: ["samples", "map"], queryFn: samplesApi.map, enabled });
}

export function useSameSound(sampleId: string | null) {
  return useQuery({ queryKey: ["samples", "same", sampleId], queryFn: () => samplesApi.similar(sampleId ?? "", true),
    enabled: !!sampleId });
}

/** A stem row (kind "stem") is edited and deleted through its track's stem routes. */
type Edit = { id: string; name?: string; tags?: string[]; class?: string; starred?: boolean; stem?: { track: string; name: string } };

export function useEditSample() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, stem, ...body }: Edit) =>
      stem ? samplesApi.editStem(stem.track, stem.name, body) : samplesApi.edit(id, body),
    onSuccess: () => client.invalidateQueries({ queryKey: ["samples"] }),
  });
}

export function useDeleteSample() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, stem }: { id: string; stem?: { track: string; name: string } }) =>
      stem ? samplesApi.removeStem(stem.track, stem.name) : samplesApi.remove(id),
    onSuccess: () => client.invalidateQueries({ queryKey: ["samples"] }),
  });
}

export function useSamplePack() {
  return useMutation({ mutationFn: samplesApi.pack });
}
