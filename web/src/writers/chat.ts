/**
 * The chat's bookkeeping, kept out of the components so it can be tested alone: the sessions a
 * user started in a room (remembered in this browser; the turns themselves live in the API),
 * the turns to show while one is still streaming, and how a citation reads.
 */
import type { Citation, Mode, Turn } from "../api/writers";

export interface SessionRef {
  session_id: string;
  title: string;
  mode: Mode;
  at: string;
}

const MAX_SESSIONS = 30;
const key = (user: string, roomId: string) => `soundmosaic.writers.sessions.${user}.${roomId}`;

export function loadSessions(user: string, roomId: string, store: Storage = localStorage): SessionRef[] {
  try {
    const value: unknown = JSON.parse(store.getItem(key(user, roomId)) ?? "[]");
    return Array.isArray(value) ? value.filter((s): s is SessionRef => typeof s?.session_id === "string") : [];
  } catch {
    return [];  // a damaged entry costs the list, never the page
  }
}

/** Remember a session (newest first, each once, at most `MAX_SESSIONS`). */
export function rememberSession(user: string, roomId: string, session: SessionRef, store: Storage = localStorage): SessionRef[] {
  const all = [session, ...loadSessions(user, roomId, store).filter((s) => s.session_id !== session.session_id)].slice(0, MAX_SESSIONS);
  store.setItem(key(user, roomId), JSON.stringify(all));
  return all;
}

/** A session's title: its first question, cut at a word near 60 characters. */
export function titleOf(message: string): string {
  const clean = message.replace(/\s+/g, " ").trim();
  if (clean.length <= 60) return clean;
  const cut = clean.slice(0, 60);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 30 ? cut.lastIndexOf(" ") : 60)}…`;
}

export interface ShownTurn {
  turn_id: string;
  message: string;
  text: string;
  citations: Citation[];
  engine?: string | null;
  done: boolean;
  status: string;
  error?: string | null;
}

/**
 * The session's turns as the API lists them, with the turn being asked now: its polled state
 * (growing text) replaces the listed one, or follows the list while the list lacks it.
 */
export function shownTurns(history: Turn[], active: { turn_id: string; message: string; turn?: Turn } | null): ShownTurn[] {
  const shown: ShownTurn[] = history.map((t) => ({
    turn_id: t.turn_id, message: t.message ?? "", text: t.text, citations: t.citations ?? [], engine: t.engine,
    done: t.done, status: t.status, error: t.error,
  }));
  if (!active) return shown;
  const live: ShownTurn = {
    turn_id: active.turn_id, message: active.message, text: active.turn?.text ?? "", citations: active.turn?.citations ?? [],
    engine: active.turn?.engine, done: active.turn?.done ?? false, status: active.turn?.status ?? "queued", error: active.turn?.error,
  };
  const at = shown.findIndex((t) => t.turn_id === active.turn_id);
  if (at === -1) return [...shown, live];
  // The list may be a poll behind the turn: keep whichever has more of the reply.
  if (!shown[at]!.done && live.text.length >= shown[at]!.text.length) shown[at] = { ...live, message: shown[at]!.message || live.message };
  return shown;
}

/** "Ep. 12 · Sc. 3" (the document when the citation has no episode). */
export function citationLabel(c: Citation): string {
  const where = c.episode !== undefined && c.episode !== null ? `Ep. ${c.episode}` : c.document;
  return `${where} · Sc. ${c.scene}`;
}

/** The document id the scene route takes: the citation's id when it has one, else its `document`. */
export const citationDocument = (c: Citation) => c.document_id ?? c.document;
