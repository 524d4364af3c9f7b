/**
 * The chat's bookkeeping, kept out of the components so it can be tested alone: the turns to
 * show while one is still streaming, and how a citation reads.
 */
import type { Citation, Turn } from "../api/writers";

/** The turn being asked now: its id and question, and its latest polled state once there is one. */
export interface Asking {
  turn_id: string;
  message: string;
  turn?: Turn;
}

/**
 * The session's turns as the API lists them, with the turn being asked now: its polled state
 * (growing text) replaces the listed one, or follows the list while the list lacks it.
 */
export function shownTurns(history: Turn[], asking: Asking | null): (Turn | Asking)[] {
  const shown: (Turn | Asking)[] = [...history];
  if (!asking) return shown;
  const live = asking.turn ?? asking;
  const at = history.findIndex((t) => t.turn_id === asking.turn_id);
  if (at === -1) return [...shown, live];
  // The list may be a poll behind the turn: keep whichever has more of the reply.
  const listed = history[at]!;
  if (!listed.done && asking.turn && asking.turn.text.length >= listed.text.length) shown[at] = asking.turn;
  return shown;
}

export const isTurn = (t: Turn | Asking): t is Turn => "status" in t;

/** "Ep. 12 · Sc. 3" (the document's name when the citation has no episode). */
export function citationLabel(c: Pick<Citation, "document" | "episode" | "scene">): string {
  const where = c.episode !== null ? `Ep. ${c.episode}` : c.document;
  return `${where} · Sc. ${c.scene}`;
}
