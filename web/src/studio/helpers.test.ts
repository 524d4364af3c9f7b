import { describe, expect, it } from "vitest";
import { MAX_ITEMS, parseCsv, readBatch } from "./batchFile";
import { colourName, normaliseHex } from "./colour";
import { applySuggestion, partialWord, suggest } from "./suggest";

describe("prompt suggestions", () => {
  it("draws on the genre, the mood and the artist's style, artistDNA first", () => {
    const got = suggest({ prompt: "", genre: "Synthwave", mood: "melancholic",
      style: { palette: ["#ff00ff", "#101030"], fonts: ["Space Grotesk"], moods: ["nocturnal"] } }, 40);
    const bySource = (source: string) => got.filter((s) => s.source === source).map((s) => s.text);
    expect(got[0]!.source).toBe("artistDNA");
    expect(bySource("artistDNA")).toContain("magenta, deep blue palette");
    expect(bySource("artistDNA")).toContain("lettering in the style of Space Grotesk");
    expect(bySource("artistDNA")).toContain("nocturnal atmosphere");
    expect(bySource("genre")).toContain("neon grid horizon");
    expect(bySource("mood")).toContain("rain on glass");
    expect(bySource("cover").length).toBeGreaterThan(0);
  });

  it("finds genres and moods inside longer words (dark techno, Lo-Fi)", () => {
    expect(suggest({ prompt: "", genre: "dark techno", mood: "" }, 40).map((s) => s.text)).toContain("brutalist concrete");
    expect(suggest({ prompt: "", genre: "Lo-Fi", mood: "" }, 40).map((s) => s.text)).toContain("rainy evening");
  });

  it("does not suggest what the prompt already says", () => {
    const got = suggest({ prompt: "a road, Neon Grid Horizon, ", genre: "synthwave", mood: "" }, 40);
    expect(got.map((s) => s.text)).not.toContain("neon grid horizon");
  });

  it("completes the word being typed from the same pool", () => {
    expect(partialWord("a car at night, chr")).toBe("chr");
    expect(partialWord("a car at night, ")).toBe("");
    const got = suggest({ prompt: "a car at night, chr", genre: "synthwave", mood: "" });
    expect(got.map((s) => s.text)).toEqual(["chrome lettering"]);
    expect(got[0]!.completes).toBe(true);
    expect(applySuggestion("a car at night, chr", got[0]!)).toBe("a car at night, chrome lettering");
  });

  it("appends a phrase after a comma, without doubling separators", () => {
    const phrase = { text: "film grain", source: "cover" as const, completes: false };
    expect(applySuggestion("", phrase)).toBe("film grain");
    expect(applySuggestion("a lake, ", phrase)).toBe("a lake, film grain");
    expect(applySuggestion("a lake", phrase)).toBe("a lake, film grain");
  });
});

describe("colours", () => {
  it("normalises hex codes and refuses the rest", () => {
    expect(normaliseHex("#ABC")).toBe("#aabbcc");
    expect(normaliseHex("ff3366")).toBe("#ff3366");
    expect(normaliseHex("red")).toBeNull();
  });

  it("names colours in words", () => {
    expect(colourName("#000000")).toBe("black");
    expect(colourName("#ffffff")).toBe("white");
    expect(colourName("#808080")).toBe("grey");
    expect(colourName("#ff0000")).toBe("red");
    expect(colourName("#0a3d3a")).toBe("deep teal");
    expect(colourName("#ffd1e8")).toBe("pale pink");
  });
});

describe("batch files", () => {
  const HEAD = "title,artist_name,genre,mood,prompt";

  it("parses quoted CSV fields with commas, doubled quotes and line breaks", () => {
    const rows = parseCsv(`a,"b, c","say ""hi"""\r\n"multi\nline",x,y\n\n`);
    expect(rows).toEqual([
      { line: 1, fields: ["a", "b, c", 'say "hi"'] },
      { line: 2, fields: ["multi\nline", "x", "y"] },
    ]);
  });

  it("previews CSV rows and says which ones have problems, by line, by the API's rules", async () => {
    const preview = readBatch(`${HEAD}\nNight Drive,Nova,synthwave,,"neon, rain"\nLow Tide,,ambient,calm,\nX,Nova,,,p,extra\n`);
    expect(preview.format).toBe("csv");
    expect(preview.rows).toHaveLength(3);
    // genre and mood may be empty
    expect(preview.rows[0]).toEqual({ line: 2, item: { title: "Night Drive", artist_name: "Nova", genre: "synthwave", mood: "", prompt: "neon, rain" }, errors: [] });
    expect(preview.rows[1]).toMatchObject({ line: 3, errors: ["artist_name is required", "prompt is required"] });
    expect(preview.rows[2]!.errors).toEqual(["6 fields, the header has 5"]);
    expect(preview.ok).toBe(false);
  });

  it("accepts columns in any order with the optional count and seed, and refuses bad headers", () => {
    const preview = readBatch("prompt,mood,genre,artist_name,title,count,seed\np,m,g,a,t,2,7\np,m,g,a,t,5,x");
    expect(preview.rows[0]!.item).toEqual({ title: "t", artist_name: "a", genre: "g", mood: "m", prompt: "p", count: 2, seed: 7 });
    expect(preview.extra).toEqual(["count", "seed"]);
    expect(preview.rows[1]!.errors).toEqual(["count must be 1-4", "seed must be a whole number"]);
    expect(readBatch("title,prompt\nx,y").errors).toEqual([
      "Missing columns: artist_name, genre, mood (the header needs title, artist_name, genre, mood, prompt).",
    ]);
    expect(readBatch(`${HEAD},colour,title\n`).errors).toEqual([
      "Unknown columns: colour (known: title, artist_name, genre, mood, prompt, count, seed).", "Duplicated columns: title.",
    ]);
  });

  it("bounds field lengths as the API does", () => {
    const preview = readBatch(`${HEAD}\n${"t".repeat(121)},a,g,m,${"p".repeat(1001)}`);
    expect(preview.rows[0]!.errors).toEqual(["title is 121 characters; the limit is 120", "prompt is 1001 characters; the limit is 1000"]);
  });

  it("reads JSON lists and {items}, and checks the types and keys", () => {
    const item = { title: "t", artist_name: "a", genre: "g", mood: "m", prompt: "p" };
    expect(readBatch(JSON.stringify([item])).ok).toBe(true);
    expect(readBatch(JSON.stringify({ items: [{ ...item, genre: undefined, count: 2 }] }), "x.json").rows[0]!.item).toEqual({ ...item, genre: "", count: 2 });
    const typed = readBatch(JSON.stringify([{ ...item, mood: 5 }, "nope", { ...item, colour: "red" }]));
    expect(typed.rows.map((r) => r.errors)).toEqual([
      ["mood must be text"], ["not an object"], ["Unknown columns: colour (known: title, artist_name, genre, mood, prompt, count, seed)."],
    ]);
    expect(readBatch("{oops").errors[0]).toMatch(/Not valid JSON/);
  });

  it("bounds the batch", () => {
    const rows = Array.from({ length: MAX_ITEMS + 1 }, (_, i) => `t${i},a,g,m,p`).join("\n");
    const preview = readBatch(`${HEAD}\n${rows}`);
    expect(preview.ok).toBe(false);
    expect(preview.errors).toEqual([`${MAX_ITEMS + 1} items: a batch takes at most ${MAX_ITEMS}.`]);
    expect(readBatch(HEAD).errors).toEqual(["The batch has no tracks."]);
    expect(readBatch(`${HEAD}\n${"x".repeat(1024 * 1024)}`).errors).toEqual(["The CSV is larger than 1024 KiB."]);
  });
});
