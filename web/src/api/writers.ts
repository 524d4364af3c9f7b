/**
 * The writers' room (`/api/writers`, docs/writers.md): rooms and members, script documents, the
 * room bible, chat turns with citations, notes, creative tools and the cache metrics. Typed
 * calls, reply shapes and TanStack Query hooks.
 *
 * The calls go through the openapi-fetch client (bearer token, 401 handling) by path and method.
 */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "./client";
import type { components } from "./schema";

// -- replies -----------------------------------------------------------------------------------
// The API's own shapes (`schema.d.ts`, from the reply models of `functions/api/writers.py` and
// `writers_notes.py`).

type Schemas = components["schemas"];
export type Presigned = Schemas["Presigned"];
export type Role = Schemas["Member"]["role"];
export const ROLES: Role[] = ["writer", "editor", "admin"];
export type Member = Schemas["Member"];
export type Room = Schemas["Room"];
export type RoomDetail = Schemas["RoomDetail"];
export type ScriptDocument = Schemas["Document"];
export type DocumentStatus = ScriptDocument["status"];
export type DocumentUpload = Schemas["DocumentUpload"];
export type Character = Schemas["Character"];
export type Relationship = Schemas["Relationship"];
export type StoryBeat = Schemas["StoryBeat"];
export type EpisodeEntry = Schemas["EpisodeEntry"];
export type Bible = Schemas["Bible"];
export type Scene = Schemas["Scene"];
export type Mode = Schemas["Turn"]["mode"];
export type Citation = Schemas["Citation"];
export type Usage = Schemas["Usage"];
export type Turn = Schemas["Turn"];
export type TurnStarted = Schemas["TurnStarted"];
export type SessionSummary = Schemas["SessionSummary"];
export type Session = Schemas["Session"];
export type Finding = Schemas["Finding"];
export type ContinuityReport = Schemas["ContinuityReport"];
export type ArcBeat = Schemas["ArcBeat"];
export type ArcReport = Schemas["ArcReport"];
export type MetricsDay = Schemas["DayMetrics"];
export type Metrics = Schemas["Metrics"];
export type Note = Schemas["RoomNote"];
export type NoteList = Schemas["NoteList"];

// Written out: the generated request types make every field with a default required.
export interface NoteDraft {
  title: string;
  body?: string;
  tags?: string[];
  episodes?: number[];
  characters?: string[];
}

// -- calls -------------------------------------------------------------------------------------

type Method = "get" | "post" | "put" | "patch" | "delete";
interface Init {
  params?: { path?: Record<string, string>; query?: Record<string, string | number | undefined> };
  body?: unknown;
  signal?: AbortSignal;
}
const untyped = api as unknown as {
  request(method: Method, url: string, init?: Init): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const call = <T>(method: Method, url: string, init?: Init) => unwrap<T>(untyped.request(method, url, init));

const R = "/writers/rooms/{room_id}";
const room = (room_id: string, extra: Record<string, string> = {}) => ({ path: { room_id, ...extra } });

/** Query parameters without the empty ones (an empty search is no filter). */
function query(values: Record<string, string | number | undefined | null>) {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== "")) as
    Record<string, string | number>;
}

export interface NoteFilter {
  q?: string;
  tag?: string;
  episode?: number;
  character?: string;
}

export const writers = {
  rooms: (signal?: AbortSignal) => call<Schemas["RoomList"]>("get", "/writers/rooms", { signal }),
  createRoom: (name: string, language: "de" | "en") => call<Room>("post", "/writers/rooms", { body: { name, language } }),
  room: (roomId: string, signal?: AbortSignal) => call<RoomDetail>("get", R, { params: room(roomId), signal }),
  setMember: (roomId: string, userId: string, role: Role) =>
    call<Member>("put", `${R}/members/{user_id}`, { params: room(roomId, { user_id: userId }), body: { role } }),
  removeMember: (roomId: string, userId: string) =>
    call<Schemas["Removed"]>("delete", `${R}/members/{user_id}`, { params: room(roomId, { user_id: userId }) }),

  upload: (roomId: string, filename: string, sizeBytes: number) =>
    call<DocumentUpload>("post", `${R}/uploads`, { params: room(roomId), body: { filename, size_bytes: sizeBytes } }),
  documents: (roomId: string, signal?: AbortSignal) =>
    call<Schemas["DocumentList"]>("get", `${R}/documents`, { params: room(roomId), signal }),

  bible: (roomId: string, signal?: AbortSignal) => call<Bible>("get", `${R}/bible`, { params: room(roomId), signal }),
  scene: (roomId: string, documentId: string, scene: number, signal?: AbortSignal) =>
    call<Scene>("get", `${R}/scenes/{document_id}/{scene}`, { params: room(roomId, { document_id: documentId, scene: String(scene) }), signal }),

  ask: (roomId: string, mode: Mode, message: string, sessionId?: string) =>
    call<TurnStarted>("post", `${R}/turns`, { params: room(roomId), body: { mode, message, ...(sessionId ? { session_id: sessionId } : {}) } }),
  turn: (roomId: string, turnId: string, signal?: AbortSignal) =>
    call<Turn>("get", `${R}/turns/{turn_id}`, { params: room(roomId, { turn_id: turnId }), signal }),
  sessions: (roomId: string, signal?: AbortSignal) =>
    call<Schemas["SessionList"]>("get", `${R}/sessions`, { params: room(roomId), signal }),
  session: (roomId: string, sessionId: string, signal?: AbortSignal) =>
    call<Session>("get", `${R}/sessions/{session_id}`, { params: room(roomId, { session_id: sessionId }), signal }),

  notes: (roomId: string, filter: NoteFilter, signal?: AbortSignal) =>
    call<NoteList>("get", `${R}/notes`, { params: { ...room(roomId), query: query({ ...filter }) }, signal }),
  createNote: (roomId: string, draft: NoteDraft) => call<Note>("post", `${R}/notes`, { params: room(roomId), body: draft }),
  updateNote: (roomId: string, noteId: string, draft: Partial<NoteDraft>) =>
    call<Note>("patch", `${R}/notes/{note_id}`, { params: room(roomId, { note_id: noteId }), body: draft }),
  deleteNote: (roomId: string, noteId: string) =>
    call<null>("delete", `${R}/notes/{note_id}`, { params: room(roomId, { note_id: noteId }) }),

  continuity: (roomId: string, draft: string) => call<ContinuityReport>("post", `${R}/tools/continuity`, { params: room(roomId), body: { draft } }),
  arc: (roomId: string, character: string) => call<ArcReport>("post", `${R}/tools/arc`, { params: room(roomId), body: { character } }),

  metrics: (roomId: string, days: number, signal?: AbortSignal) =>
    call<Metrics>("get", `${R}/metrics`, { params: { ...room(roomId), query: { days } }, signal }),
};

/** Send a script where the API's presigned URL says; the ingest workflow takes it from there. */
export async function uploadScript(roomId: string, file: File): Promise<DocumentUpload> {
  const target = await writers.upload(roomId, file.name, file.size);
  let reply: Response;
  try {
    reply = await fetch(target.url, { method: "PUT", headers: target.headers, body: file });
  } catch {
    throw new ApiError("The upload could not reach storage. Check your connection.", 0);
  }
  if (!reply.ok) throw new ApiError(`Storage refused the upload (HTTP ${reply.status}).`, reply.status);
  return target;
}

// -- hooks -------------------------------------------------------------------------------------

export const POLL_MS = 1500;
/** A streaming turn is polled faster: the text grows while Claude writes. */
export const TURN_POLL_MS = 400;

export const writersKeys = {
  rooms: ["writers", "rooms"] as const,
  room: (id: string) => ["writers", "room", id] as const,
  documents: (id: string) => ["writers", "documents", id] as const,
  bible: (id: string) => ["writers", "bible", id] as const,
  scene: (id: string, doc: string, scene: number) => ["writers", "scene", id, doc, scene] as const,
  notes: (id: string, filter: NoteFilter) => ["writers", "notes", id, filter] as const,
  allNotes: (id: string) => ["writers", "notes", id] as const,
  sessions: (id: string) => ["writers", "sessions", id] as const,
  session: (id: string, session: string) => ["writers", "session", id, session] as const,
  metrics: (id: string, days: number) => ["writers", "metrics", id, days] as const,
};

/** Documents still on their way through the ingest workflow: the list must be polled. */
export const BUSY_DOCUMENT = new Set<DocumentStatus>(["queued", "parsing", "indexing"]);

export function useRoom(roomId: string) {
  return useQuery({ queryKey: writersKeys.room(roomId), queryFn: ({ signal }) => writers.room(roomId, signal) });
}

export function useDocuments(roomId: string) {
  return useQuery({
    queryKey: writersKeys.documents(roomId),
    queryFn: ({ signal }) => writers.documents(roomId, signal),
    refetchInterval: (q) => (q.state.data?.items.some((d) => BUSY_DOCUMENT.has(d.status)) ? POLL_MS : false),
  });
}

export function useBible(roomId: string) {
  return useQuery({ queryKey: writersKeys.bible(roomId), queryFn: ({ signal }) => writers.bible(roomId, signal) });
}
