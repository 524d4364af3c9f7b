import { describe, expect, it } from "vitest";
import { draftOf, formOf, parseEpisodes, parseList } from "./notes";

describe("the note form", () => {
  it("reads comma lists trimmed, without empties or repeats", () => {
    expect(parseList(" Lena ,, jonas weber,LENA, ")).toEqual(["Lena", "jonas weber"]);
    expect(parseList("")).toEqual([]);
  });

  it("reads episodes and ranges, sorted, each once", () => {
    expect(parseEpisodes("14-16, 12, 15")).toEqual([12, 14, 15, 16]);
    expect(parseEpisodes(" ")).toEqual([]);
  });

  it("refuses what is not an episode list", () => {
    for (const bad of ["twelve", "12a", "-3", "16-14", "1-500", "1e3", "12;13"]) {
      expect(() => parseEpisodes(bad), bad).toThrow();
    }
  });

  it("turns a form into the request and a note back into the form", () => {
    const draft = draftOf({ title: "  Secret ", body: "b", tags: "Cliffhanger, wedding", episodes: "3-4", characters: "Lena" });
    expect(draft).toEqual({ title: "Secret", body: "b", tags: ["cliffhanger", "wedding"], episodes: [3, 4], characters: ["Lena"] });
    expect(formOf({ note_id: "n", room_id: "r", author: "a", title: "Secret", body: "b", tags: ["x", "y"], episodes: [3, 4],
      characters: ["Lena", "Jonas"], created_at: "", updated_at: "" }))
      .toEqual({ title: "Secret", body: "b", tags: "x, y", episodes: "3, 4", characters: "Lena, Jonas" });
  });
});
