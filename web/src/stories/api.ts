/**
 * The stories room's routes (`/api/stories`, docs/stories.md): typed calls and query hooks.
 * Reply shapes come from `schema.d.ts` (the reply models of `functions/api/stories.py`).
 */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import type { StudioJob } from "../api/studio";

type Schemas = components["schemas"];
export type Album = Schemas["StoryAlbum"];
export type AlbumSong = Schemas["StorySong"];
export type AlbumSummary = Schemas["StoryAlbumSummary"];
export type ListenerCollage = Schemas["StoryListenerCollage"];

export interface SongInput {
  title: string;
  lyrics?: string;
  track_id?: string;
}

export interface AlbumRequest {
  title: string;
  artist_name: string;
  description?: string;
  cover_key: string;
  photo_keys?: string[];
  songs: SongInput[];
}

export interface ListenerSongInput {
  title: string;
  artist?: string;
  mood?: string;
  cover_key?: string;
}

type Method = "get" | "post";
const untyped = api as unknown as {
  request(method: Method, url: string, init?: { params?: { path?: Record<string, string> }; body?: unknown; signal?: AbortSignal }):
    Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const call = <T,>(method: Method, url: string, init?: Parameters<typeof untyped.request>[2]) =>
  unwrap<T>(untyped.request(method, url, init));

export const stories = {
  start: (request: AlbumRequest) => call<StudioJob>("post", "/stories/albums", { body: request }),
  albums: (signal?: AbortSignal) => call<AlbumSummary[]>("get", "/stories/albums", { signal }),
  album: (albumId: string, signal?: AbortSignal) =>
    call<Album>("get", "/stories/albums/{album_id}", { params: { path: { album_id: albumId } }, signal }),
  pick: (albumId: string, index: number, format: "square" | "story") =>
    call<{ dna_version: number }>("post", "/stories/albums/{album_id}/songs/{index}/pick", {
      params: { path: { album_id: albumId, index: String(index) } }, body: { format },
    }),
  listener: (songs: ListenerSongInput[], trackIds: string[] = []) =>
    call<ListenerCollage>("post", "/stories/listener", { body: { songs, track_ids: trackIds } }),
  spotifyAuthorize: (redirectUri: string) =>
    call<{ url: string; state: string }>("post", "/stories/spotify/authorize", { body: { redirect_uri: redirectUri } }),
  spotifyCollage: (code: string, state: string) =>
    call<ListenerCollage>("post", "/stories/spotify/collage", { body: { code, state } }),
};

export function useAlbums() {
  return useQuery({ queryKey: ["stories", "albums"], queryFn: ({ signal }) => stories.albums(signal) });
}

export function useAlbum(albumId: string) {
  return useQuery({
    queryKey: ["stories", "album", albumId],
    queryFn: ({ signal }) => stories.album(albumId, signal),
    // Until stories.json exists the songs fill in one by one.
    refetchInterval: (q) => (q.state.data && !q.state.data.finished ? 2000 : false),
  });
}

/** The lines of an uploaded .txt or .lrc lyric file (the server drops LRC timestamps). */
export async function lyricFileText(file: File): Promise<string> {
  if (!/\.(txt|lrc)$/i.test(file.name)) throw new Error("Lyric files are .txt or .lrc");
  if (file.size > 256 * 1024) throw new Error("Lyric files are at most 256 KiB");
  return file.text();
}
