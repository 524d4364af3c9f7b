/** Replies of the writers' routes for the component tests (shapes: the API's reply models). */
import type { Bible, Citation, Note, RoomDetail, ScriptDocument, Turn } from "../api/writers";

export const ROOM: RoomDetail = {
  room_id: "r1", name: "Unter Uns", language: "de", role: "admin", created_at: "2026-01-02T10:00:00Z", created_by: "tester",
  members: [{ user_id: "tester", role: "admin", added_at: "2026-01-02T10:00:00Z" }, { user_id: "ben", role: "writer", added_at: "2026-01-02T11:00:00Z" }],
  documents: 2, episodes: 2, bible_version: 3, drop_prefix: "drop/writers/r1/",
};

const beat = (episode: number, scene: number, summary: string) => ({ episode, scene, summary });

export const BIBLE: Bible = {
  room_id: "r1", version: 3, updated_at: "2026-01-05T10:00:00Z",
  characters: [
    { name: "Lena", lines: 40, scenes: 9, episodes: [1, 12], first_episode: 1, last_episode: 12,
      relationships: [{ character: "Jonas", kind: "siblings", episode: 12 }], storyline: [beat(12, 3, "finds the letter"), beat(1, 1, "opens the café")] },
    { name: "Jonas", lines: 12, scenes: 4, episodes: [2, 12], first_episode: 2, last_episode: 12,
      relationships: [{ character: "Lena", kind: "siblings", episode: 12 }, { character: "Petra", kind: "rivals", episode: 2 }],
      storyline: [beat(12, 7, "leaves town"), beat(2, 4, "argues about the rent")] },
    { name: "Petra", lines: 8, scenes: 2, episodes: [2], first_episode: 2, last_episode: 2, relationships: [], storyline: [beat(2, 2, "raises the rent")] },
  ],
  episodes: [
    { episode: 1, title: "Neuanfang", document_id: "d1", version: 1, scenes: 10, characters: ["Lena"], summary: "The café opens." },
    { episode: 2, title: "Miete", document_id: "d2", version: 1, scenes: 8, characters: ["Petra", "Jonas"], summary: "The rent goes up." },
    { episode: 12, title: "Der Brief", document_id: "d12", version: 2, scenes: 12, characters: ["Lena", "Jonas"], summary: "A letter." },
  ],
};

export function note(overrides: Partial<Note> = {}): Note {
  return {
    note_id: "n1", room_id: "r1", author: "tester", title: "Lena's secret", body: "She has read the letter.",
    tags: ["cliffhanger"], episodes: [12], characters: ["Lena"], created_at: "2026-01-03T10:00:00Z", updated_at: "2026-01-03T10:00:00Z",
    ...overrides,
  };
}

export function citation(overrides: Partial<Citation> = {}): Citation {
  return { document: "ep012.fountain", document_id: "d12", episode: 12, scene: 3, heading: "INT. CAFÉ - TAG",
    quote: "Ich habe den Brief gelesen.", score: 0.82, ...overrides };
}

export function turn(overrides: Partial<Turn> = {}): Turn {
  return {
    turn_id: "t1", session_id: "s1", mode: "archivist", message: "Who read the letter?", status: "done", done: true, text: "",
    citations: [], engine: "offline-archivist", not_in_archive: false, needs_provider: false, context: null, usage: null,
    cost_usd: null, latency_ms: null, error: null, created_at: "2026-01-03T10:00:00Z", updated_at: "2026-01-03T10:00:00Z",
    ...overrides,
  };
}

export function doc(overrides: Partial<ScriptDocument> = {}): ScriptDocument {
  return {
    document_id: "d1", filename: "ep001.fdx", source: "upload", status: "indexed", format: "fdx", language: "de", episode: 1,
    version: 1, scenes: 14, content_hash: "h", error: null, duplicate_of: null, created_at: "2026-01-03T10:00:00Z",
    updated_at: "2026-01-03T10:00:00Z", ...overrides,
  };
}
