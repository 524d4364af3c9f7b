/** Replies of the writers' routes for the component tests (shapes: the API's reply models). */
import type { Bible, Note, Room } from "../api/writers";

export const ROOM: Room = {
  room_id: "r1", name: "Unter Uns", role: "admin", created_at: "2026-01-02T10:00:00Z", created_by: "tester",
  members: [{ user_id: "tester", role: "admin" }, { user_id: "ben", role: "writer" }],
};

export const BIBLE: Bible = {
  version: 3, updated_at: "2026-01-05T10:00:00Z",
  characters: [
    { name: "Lena", description: "runs the café", episodes: [1, 12], lines: 40 },
    { name: "Jonas", description: "her brother", episodes: [12], lines: 12 },
    { name: "Petra", description: "the landlady", episodes: [2], lines: 8 },
  ],
  relationships: [{ a: "Lena", b: "Jonas", kind: "siblings", episodes: [12] }, { a: "Petra", b: "Jonas", kind: "rivals", episodes: [2] }],
  storylines: [
    { episode: 12, summary: "Lena finds the letter", characters: ["Lena"] },
    { episode: 2, summary: "Petra raises the rent", characters: ["Petra", "Jonas"] },
    { episode: 12, summary: "Jonas leaves town", characters: ["Jonas"] },
  ],
};

export function note(overrides: Partial<Note> = {}): Note {
  return {
    note_id: "n1", room_id: "r1", author: "tester", title: "Lena's secret", body: "She has read the letter.",
    tags: ["cliffhanger"], episodes: [12], characters: ["Lena"], created_at: "2026-01-03T10:00:00Z", updated_at: "2026-01-03T10:00:00Z",
    ...overrides,
  };
}
