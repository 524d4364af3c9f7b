import { describe, expect, it } from "vitest";
import type { Turn } from "../api/writers";
import { citationDocument, citationLabel, loadSessions, rememberSession, shownTurns, titleOf } from "./chat";

const turn = (overrides: Partial<Turn>): Turn => ({ turn_id: "t1", status: "done", text: "", citations: [], done: true, ...overrides });

describe("the chat's bookkeeping", () => {
  it("remembers sessions newest first, each once, per user and room", () => {
    rememberSession("ana", "r1", { session_id: "s1", title: "first", mode: "archivist", at: "1" });
    rememberSession("ana", "r1", { session_id: "s2", title: "second", mode: "creative", at: "2" });
    rememberSession("ana", "r1", { session_id: "s1", title: "first again", mode: "archivist", at: "3" });
    expect(loadSessions("ana", "r1").map((s) => s.title)).toEqual(["first again", "second"]);
    expect(loadSessions("ana", "r2")).toEqual([]);
    expect(loadSessions("ben", "r1")).toEqual([]);
  });

  it("survives a damaged or hostile stored list", () => {
    for (const junk of ["{not json", "42", '{"session_id":"x"}', '[null, 1, {"title":"no id"}]']) {
      localStorage.setItem("soundmosaic.writers.sessions.ana.r1", junk);
      expect(loadSessions("ana", "r1")).toEqual([]);
    }
  });

  it("titles a session by its first question, cut at a word", () => {
    expect(titleOf("  Who   is Lena? ")).toBe("Who is Lena?");
    const long = titleOf("What happened between Lena and Jonas after the wedding in episode twelve and why did she leave");
    expect(long.endsWith("…")).toBe(true);
    expect(long.length).toBeLessThanOrEqual(61);
    expect(long).not.toMatch(/\s…$/);
  });

  it("shows a streaming turn after the history, and its growing text over a listed one", () => {
    const history = [turn({ turn_id: "t1", message: "Q1", text: "A1" })];
    expect(shownTurns(history, null)).toHaveLength(1);
    const live = shownTurns(history, { turn_id: "t2", message: "Q2", turn: turn({ turn_id: "t2", text: "Lena", done: false, status: "streaming" }) });
    expect(live.map((t) => [t.message, t.text, t.done])).toEqual([["Q1", "A1", true], ["Q2", "Lena", false]]);
    // the session list caught up but is a poll behind the turn: the longer reply wins
    const behind = [...history, turn({ turn_id: "t2", message: "Q2", text: "Le", done: false, status: "streaming" })];
    expect(shownTurns(behind, { turn_id: "t2", message: "Q2", turn: turn({ turn_id: "t2", text: "Lena left", done: false }) })[1]!.text).toBe("Lena left");
    // a finished listed turn stays as listed
    const finished = [...history, turn({ turn_id: "t2", message: "Q2", text: "Lena left.", done: true })];
    expect(shownTurns(finished, { turn_id: "t2", message: "Q2" })[1]!.text).toBe("Lena left.");
  });

  it("labels citations by episode and scene, else by document", () => {
    expect(citationLabel({ document: "ep012.fountain", episode: 12, scene: 3 })).toBe("Ep. 12 · Sc. 3");
    expect(citationLabel({ document: "bible.md", episode: null, scene: "2" })).toBe("bible.md · Sc. 2");
    expect(citationDocument({ document: "ep012.fountain", document_id: "d1", scene: 1 })).toBe("d1");
    expect(citationDocument({ document: "d2", scene: 1 })).toBe("d2");
  });
});
