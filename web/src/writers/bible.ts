/** The bible as the page shows it: relationships as pairs, and storylines per episode. */
import type { Bible } from "../api/writers";

export interface Pair {
  a: string;
  b: string;
  kind: string;
  episodes: number[];
}

const same = (x: string, y: string) => x.localeCompare(y, undefined, { sensitivity: "accent" }) === 0;

/** Each relationship once (A→B and B→A are one pair of a kind), with the episodes it shows in. */
export function pairs(bible: Bible, character: string | null = null): Pair[] {
  const found = new Map<string, Pair>();
  for (const c of bible.characters) {
    for (const r of c.relationships) {
      if (character && !same(c.name, character) && !same(r.character, character)) continue;
      const [a, b] = [c.name, r.character].sort((x, y) => x.localeCompare(y));
      const key = `${a}\u0000${b}\u0000${r.kind}`;
      const pair = found.get(key) ?? { a: a!, b: b!, kind: r.kind, episodes: [] };
      if (r.episode !== null && !pair.episodes.includes(r.episode)) pair.episodes.push(r.episode);
      pair.episodes.sort((x, y) => x - y);
      found.set(key, pair);
    }
  }
  return [...found.values()];
}

export interface EpisodeLine {
  episode: number;
  title: string;
  summary: string;
  beats: { character: string; scene: number; summary: string }[];
}

/**
 * Per episode (ascending): its title and summary and what happened to each character in it,
 * by scene. Narrowed to one character: only that character's beats, and only their episodes.
 */
export function storylines(bible: Bible, character: string | null = null): EpisodeLine[] {
  const lines = new Map<number, EpisodeLine>();
  for (const e of bible.episodes) lines.set(e.episode, { episode: e.episode, title: e.title, summary: e.summary, beats: [] });
  for (const c of bible.characters) {
    if (character && !same(c.name, character)) continue;
    for (const beat of c.storyline) {
      if (beat.episode === null) continue;
      const line = lines.get(beat.episode) ?? { episode: beat.episode, title: "", summary: "", beats: [] };
      line.beats.push({ character: c.name, scene: beat.scene, summary: beat.summary });
      lines.set(beat.episode, line);
    }
  }
  for (const line of lines.values()) line.beats.sort((x, y) => x.scene - y.scene);
  return [...lines.values()]
    .filter((l) => !character || l.beats.length > 0)
    .sort((x, y) => x.episode - y.episode);
}
