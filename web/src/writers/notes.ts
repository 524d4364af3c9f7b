/** The note form's fields as the user types them, and back: comma lists and episode ranges. */
import type { Note, NoteDraft } from "../api/writers";

/** "a, b,, c" → ["a", "b", "c"] (trimmed, empty parts dropped, each once). */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(",")) {
    const clean = part.replace(/\s+/g, " ").trim();
    if (clean && !out.some((o) => o.toLowerCase() === clean.toLowerCase())) out.push(clean);
  }
  return out;
}

/** "12, 14-16" → [12, 14, 15, 16]; anything else is an error the form shows. */
export function parseEpisodes(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d{1,5})\s*-\s*(\d{1,5})$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from || to - from > 50) throw new Error(`episode range “${part}” must go up, by at most 50`);
      for (let e = from; e <= to; e++) out.add(e);
    } else if (/^\d{1,5}$/.test(part)) {
      out.add(Number(part));
    } else {
      throw new Error(`“${part}” is not an episode number`);
    }
  }
  return [...out].sort((a, b) => a - b);
}

export interface NoteForm {
  title: string;
  body: string;
  tags: string;
  episodes: string;
  characters: string;
}

export const emptyForm: NoteForm = { title: "", body: "", tags: "", episodes: "", characters: "" };

export function formOf(note: Note): NoteForm {
  return { title: note.title, body: note.body, tags: note.tags.join(", "), episodes: note.episodes.join(", "),
    characters: note.characters.join(", ") };
}

/** The request body for a form (throws the parse error of a bad episode list). */
export function draftOf(form: NoteForm): NoteDraft {
  return { title: form.title.trim(), body: form.body, tags: parseList(form.tags).map((t) => t.toLowerCase()),
    episodes: parseEpisodes(form.episodes), characters: parseList(form.characters) };
}
