/**
 * The writers' room (`/api/writers`, docs/writers.md): rooms and members, script documents, the
 * room bible, chat turns with citations, notes, creative tools and the cache metrics. Typed
 * calls, reply shapes and TanStack Query hooks.
 *
 * The calls go through the openapi-fetch client (bearer token, 401 handling) by path and method.
 * The reply shapes are written out here after `functions/api/writers.py` and
 * `functions/api/writers_notes.py`; a field the API may leave out is optional.
 */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "./client";
import type { components } from "./schema";

export type Presigned = components["schemas"]["Presigned"];

// -- replies -----------------------------------------------------------------------------------

export type Role = "writer" | "editor" | "admin";
export const ROLES: Role[] = ["writer", "editor", "admin"];

export interface Member {
  user_id: string;
  role: Role;
  added_at?: string;
}

export interface Room {
  room_id: string;
  name: string;
  role?: Role;  // the caller's own role
  created_at?: string;
  created_by?: string;
  members?: Member[];
  documents?: number;
}

export type DocumentStatus = "uploading" | "queued" | "parsing" | "indexing" | "ready" | "failed" | "replaced" | "duplicate" | string;

export interface ScriptDocument {
  document_id: string;
  filename: string;
  status: DocumentStatus;
  episode?: number | null;
  version?: number | null;
  scenes?: number | null;
  language?: string | null;
  error?: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface Character {
  name: string;
  description?: string | null;
  episodes?: number[];
  lines?: number;
}

export interface Relationship {
  a: string;
  b: string;
  kind?: string | null;
  episodes?: number[];
}

export interface StoryEvent {
  episode: number;
  summary: string;
  characters?: string[];
  scene?: string | number | null;
}

export interface Bible {
  room_id?: string;
  version?: number;
  updated_at?: string;
  characters: Character[];
  relationships: Relationship[];
  storylines: StoryEvent[];
}

export interface Scene {
  document_id: string;
  scene: string | number;
  episode?: number | null;
  heading?: string | null;
  text: string;
  characters?: string[];
}

export type Mode = "archivist" | "creative";

export interface Citation {
  document: string;
  episode?: number | null;
  scene: string | number;
  quote?: string | null;
  document_id?: string;
}

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  cost_usd?: number | string;
}

export interface Turn {
  turn_id: string;
  session_id?: string;
  mode?: Mode;
  message?: string;
  status: string;
  text: string;
  citations: Citation[];
  engine?: string | null;
  usage?: Usage | null;
  done: boolean;
  error?: string | null;
  created_at?: string;
}

export interface TurnStarted {
  turn_id: string;
  session_id: string;
}

export interface Session {
  session_id: string;
  turns: Turn[];
}

export interface Note {
  note_id: string;
  room_id: string;
  author: string;
  title: string;
  body: string;
  tags: string[];
  episodes: number[];
  characters: string[];
  created_at: string;
  updated_at: string;
}

export interface NoteList {
  items: Note[];
  total: number;
  tags: Record<string, number>;
}

export interface NoteDraft {
  title: string;
  body?: string;
  tags?: string[];
  episodes?: number[];
  characters?: string[];
}

export interface ContinuityIssue {
  claim?: string;
  sentence?: string;
  conflict?: string;
  reason?: string;
  citations?: Citation[];
  citation?: Citation;
}

export interface ToolReply {
  text?: string;
  answer?: string;
  engine?: string | null;
  issues?: ContinuityIssue[];
  events?: StoryEvent[];
  citations?: Citation[];
  [key: string]: unknown;
}

export interface MetricsDay {
  day: string;
  calls: number;
  input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_share: number;
  cost_usd: number | string;
  cost_saved_usd: number | string;
  p50_ms: number | null;
  p95_ms: number | null;
  by_mode?: Record<string, number>;
}

export interface Metrics {
  room_id?: string;
  days: MetricsDay[];
  totals?: Partial<MetricsDay>;
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
  rooms: (signal?: AbortSignal) => call<{ items: Room[] }>("get", "/writers/rooms", { signal }),
  createRoom: (name: string) => call<Room>("post", "/writers/rooms", { body: { name } }),
  room: (roomId: string, signal?: AbortSignal) => call<Room>("get", R, { params: room(roomId), signal }),
  setMember: (roomId: string, userId: string, role: Role) =>
    call<Member>("put", `${R}/members/{user_id}`, { params: room(roomId, { user_id: userId }), body: { role } }),
  removeMember: (roomId: string, userId: string) =>
    call<null>("delete", `${R}/members/{user_id}`, { params: room(roomId, { user_id: userId }) }),

  upload: (roomId: string, filename: string, sizeBytes: number) =>
    call<Presigned>("post", `${R}/uploads`, { params: room(roomId), body: { filename, size_bytes: sizeBytes } }),
  documents: (roomId: string, signal?: AbortSignal) =>
    call<{ items: ScriptDocument[] }>("get", `${R}/documents`, { params: room(roomId), signal }),

  bible: (roomId: string, signal?: AbortSignal) => call<Bible>("get", `${R}/bible`, { params: room(roomId), signal }),
  scene: (roomId: string, documentId: string, scene: string, signal?: AbortSignal) =>
    call<Scene>("get", `${R}/scenes/{document_id}/{scene}`, { params: room(roomId, { document_id: documentId, scene }), signal }),

  ask: (roomId: string, mode: Mode, message: string, sessionId?: string) =>
    call<TurnStarted>("post", `${R}/turns`, { params: room(roomId), body: { mode, message, ...(sessionId ? { session_id: sessionId } : {}) } }),
  turn: (roomId: string, turnId: string, signal?: AbortSignal) =>
    call<Turn>("get", `${R}/turns/{turn_id}`, { params: room(roomId, { turn_id: turnId }), signal }),
  session: (roomId: string, sessionId: string, signal?: AbortSignal) =>
    call<Session>("get", `${R}/sessions/{session_id}`, { params: room(roomId, { session_id: sessionId }), signal }),

  notes: (roomId: string, filter: NoteFilter, signal?: AbortSignal) =>
    call<NoteList>("get", `${R}/notes`, { params: { ...room(roomId), query: query({ ...filter }) }, signal }),
  createNote: (roomId: string, draft: NoteDraft) => call<Note>("post", `${R}/notes`, { params: room(roomId), body: draft }),
  updateNote: (roomId: string, noteId: string, draft: Partial<NoteDraft>) =>
    call<Note>("patch", `${R}/notes/{note_id}`, { params: room(roomId, { note_id: noteId }), body: draft }),
  deleteNote: (roomId: string, noteId: string) =>
    call<null>("delete", `${R}/notes/{note_id}`, { params: room(roomId, { note_id: noteId }) }),

  continuity: (roomId: string, draft: string) => call<ToolReply>("post", `${R}/tools/continuity`, { params: room(roomId), body: { draft } }),
  arc: (roomId: string, character: string) => call<ToolReply>("post", `${R}/tools/arc`, { params: room(roomId), body: { character } }),

  metrics: (roomId: string, days: number, signal?: AbortSignal) =>
    call<Metrics>("get", `${R}/metrics`, { params: { ...room(roomId), query: { days } }, signal }),
};

/** Send a script where the API's presigned URL says; the ingest workflow takes it from there. */
export async function uploadScript(roomId: string, file: File): Promise<Presigned> {
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
  scene: (id: string, doc: string, scene: string) => ["writers", "scene", id, doc, scene] as const,
  notes: (id: string, filter: NoteFilter) => ["writers", "notes", id, filter] as const,
  allNotes: (id: string) => ["writers", "notes", id] as const,
  session: (id: string, session: string) => ["writers", "session", id, session] as const,
  metrics: (id: string, days: number) => ["writers", "metrics", id, days] as const,
};

/** Documents still on their way through the ingest workflow: the list must be polled. */
export const BUSY_DOCUMENT = new Set(["uploading", "queued", "parsing", "chunking", "embedding", "indexing", "running"]);

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
