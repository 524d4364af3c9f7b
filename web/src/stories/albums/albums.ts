/**
 * AlbumDreamer (`/api/albums`, docs/stories.md): projects planned from a concept, plan and
 * template edits, generation and one track's regeneration. Typed calls and TanStack Query hooks;
 * the shapes are the API's own (`schema.d.ts`, from `functions/api/albums.py`).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { Job } from "../../api/model";
import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type Album = Schemas["Album"];
export type AlbumSummary = Schemas["AlbumSummary"];
export type Plan = NonNullable<Album["plan"]>;
export type PlanTrack = Schemas["PlanTrack"];
export type TrackState = Schemas["TrackState"];

/** What the form sends; the API fills in the rest (5 tracks of 30 s, the director's genre). */
export interface NewAlbum {
  concept: string;
  tracks?: number;
  seconds?: number;
  genre?: string;
  mood_arc?: string[];
  artist_name?: string;
  use_artist_dna?: boolean;
}

const keys = {
  all: ["albums"] as const,
  one: (id: string) => ["albums", id] as const,
};
const POLL_MS = 1500;

export function useAlbums() {
  return useQuery({
    queryKey: keys.all,
    queryFn: ({ signal }) => unwrap<Schemas["AlbumList"]>(api.GET("/albums", { signal })),
  });
}

export function useAlbum(albumId: string) {
  return useQuery({
    queryKey: keys.one(albumId),
    queryFn: ({ signal }) => unwrap<Album>(api.GET("/albums/{album_id}", { params: { path: { album_id: albumId } }, signal })),
    // While the director plans or a run goes on, the project changes: follow it.
    refetchInterval: (q) => (q.state.data?.status === "generating" || q.state.data?.status === "planning" ? POLL_MS : false),
  });
}

export function useCreateAlbum() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewAlbum) => unwrap<Album>(api.POST("/albums", { body: body as Schemas["NewAlbum"] })),
    onSuccess: (album) => {
      client.setQueryData(keys.one(album.album_id), album);
      void client.invalidateQueries({ queryKey: keys.all, exact: true });
    },
  });
}

function useAlbumChange<T>(albumId: string, call: (value: T) => Promise<Album | Job>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.one(albumId) }),
  });
}

export function useSavePlan(albumId: string) {
  return useAlbumChange(albumId, (plan: Plan) =>
    unwrap<Album>(api.PUT("/albums/{album_id}/plan", { params: { path: { album_id: albumId } }, body: { plan } })));
}

export function useSaveTemplates(albumId: string) {
  return useAlbumChange(albumId, (templates: Record<string, string>) =>
    unwrap<Album>(api.PUT("/albums/{album_id}/templates", { params: { path: { album_id: albumId } }, body: { templates } })));
}

export function useReplan(albumId: string) {
  return useAlbumChange(albumId, () =>
    unwrap<Album>(api.POST("/albums/{album_id}/plan", { params: { path: { album_id: albumId } } })));
}

export function useGenerate(albumId: string) {
  return useAlbumChange(albumId, () =>
    unwrap<Job>(api.POST("/albums/{album_id}/generate", { params: { path: { album_id: albumId } } })));
}

export function useRegenerate(albumId: string) {
  return useAlbumChange(albumId, (number: number) =>
    unwrap<Job>(api.POST("/albums/{album_id}/tracks/{number}/regenerate", {
      params: { path: { album_id: albumId, number } },
    })));
}
