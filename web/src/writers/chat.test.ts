import { describe, expect, it } from "vitest";
import { citationLabel, isTurn, shownTurns } from "./chat";
import { turn } from "./testing";

describe("the chat's bookkeeping", () => {
  it("shows a streaming turn after the history, and its growing text over a listed one", () => {
    const history = [turn({ turn_id: "t1", message: "Q1", text: "A1" })];
    expect(shownTurns(history, null)).toHaveLength(1);
    // asked, not polled yet: the question alone
    const asked = shownTurns(history, { turn_id: "t2", message: "Q2" });
    expect(asked.map((t) => [t.message, isTurn(t) ? t.text : null])).toEqual([["Q1", "A1"], ["Q2", null]]);
    const live = shownTurns(history, { turn_id: "t2", message: "Q2", turn: turn({ turn_id: "t2", message: "Q2", text: "Lena", done: false, status: "streaming" }) });
    expect(live.map((t) => isTurn(t) && [t.message, t.text, t.done])).toEqual([["Q1", "A1", true], ["Q2", "Lena", false]]);
    // the session list caught up but is a poll behind the turn: the longer reply wins
    const behind = [...history, turn({ turn_id: "t2", message: "Q2", text: "Le", done: false, status: "streaming" })];
    const ahead = turn({ turn_id: "t2", message: "Q2", text: "Lena left", done: false, status: "streaming" });
    expect(shownTurns(behind, { turn_id: "t2", message: "Q2", turn: ahead })[1]).toBe(ahead);
    // a finished listed turn stays as listed
    const finished = [...history, turn({ turn_id: "t2", message: "Q2", text: "Lena left.", done: true })];
    expect(shownTurns(finished, { turn_id: "t2", message: "Q2", turn: ahead })[1]).toBe(finished[1]);
  });

  it("labels citations by episode and scene, else by document", () => {
    expect(citationLabel({ document: "ep012.fountain", episode: 12, scene: 3 })).toBe("Ep. 12 · Sc. 3");
    expect(citationLabel({ document: "bible.md", episode: null, scene: 2 })).toBe("bible.md · Sc. 2");
  });
});
