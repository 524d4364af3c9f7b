import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { track } from "../test/fixtures";
import { renderApp, signInForTest } from "../test/utils";
import { mockStudio, studioJob } from "../studio/testing";
import type { Album } from "./api";
import Stories from "./StoriesRoutes";

const ALBUM: Album = {
  album_id: "0123456789abcdef01234567", title: "Paper Harbour", artist_name: "Nova", description: "An EP about leaving.",
  created_at: "2026-01-02T10:00:00Z", cover_url: "https://s3/cover.png", finished: true, contact_sheet_url: "https://s3/sheet.png",
  songs: [
    { index: 0, title: "Harbour Lights", lyrics: "I left the harbour lights behind", status: "ok",
      collages: { square: "https://s3/0-square.png", story: "https://s3/0-story.png" },
      story: "“Harbour Lights” opens Paper Harbour. It begins: “I left the harbour lights behind”.",
      quotes: ["I left the harbour lights behind"], mood: "dark", sentiment: -0.5, motifs: ["river", "light"],
      arc_position: "opening", continues: [], engine: "offline:offline-stories-v1", offline: true },
    { index: 1, title: "Home", lyrics: "The river brought me home", status: "ok",
      collages: { square: "https://s3/1-square.png" },
      story: "“Home” closes Paper Harbour.", quotes: ["The river brought me home"], mood: "calm", sentiment: 0.8,
      motifs: ["river"], arc_position: "closing", continues: [{ index: 0, title: "Harbour Lights", shared: ["river", "light"] }],
      engine: "offline:offline-stories-v1", offline: true },
    { index: 2, title: "Lost", lyrics: "x", status: "failed", collages: {}, error: "ValueError: the model said no" },
  ],
};

describe("Stories", () => {
  beforeEach(signInForTest);

  it("shows each story with its quoted lines, the songs it continues and picks a collage into the artistDNA", async () => {
    const { calls } = mockStudio({
      "GET /stories/albums/{id}": () => ALBUM,
      "POST /stories/albums/{id}/songs/{index}/pick": () => ({ dna_version: 4 }),
    });
    const user = userEvent.setup();
    renderApp(<Stories />, { route: `/stories/albums/${ALBUM.album_id}`, path: "/stories/*" });
    const songs = await screen.findAllByTestId("song-story");
    expect(songs).toHaveLength(3);
    expect(within(songs[0]!).getByText("I left the harbour lights behind", { selector: "q" })).toBeInTheDocument();
    const link = within(songs[1]!).getByRole("link", { name: "Harbour Lights" });
    expect(link).toHaveAttribute("href", "#song-1");
    expect(songs[1]).toHaveTextContent("(river, light)");
    expect(songs[2]).toHaveTextContent("This song failed: ValueError: the model said no");
    expect(screen.getByTestId("contact-sheet")).toHaveAttribute("src", "https://s3/sheet.png");
    expect(within(songs[0]!).getAllByRole("img").map((i) => i.getAttribute("alt"))).toEqual(
      ["Square collage for Harbour Lights", "9:16 collage for Harbour Lights"]);
    await user.click(within(songs[0]!).getByRole("button", { name: "Pick the 9:16 collage of Harbour Lights" }));
    expect(await within(songs[0]!).findByText("In artistDNA version 4")).toBeInTheDocument();
    expect(calls.at(-1)).toMatchObject({ method: "POST", path: `/stories/albums/${ALBUM.album_id}/songs/0/pick`, body: { format: "story" } });
  });

  it("will not start an album without its cover, titles and lyrics, then uploads the cover and follows the job", async () => {
    const { calls, storage } = mockStudio({
      "POST /studio/references": () => ({ key: "artists/me/studio/references/r1/cover.png", url: "https://s3/put", method: "PUT", headers: { "Content-Type": "image/png" } }),
      "POST /stories/albums": () => Response.json(studioJob({ job_id: "s1", kind: "stories", status: "queued" }), { status: 202 }),
      "GET /jobs/{id}": () => studioJob({ job_id: "s1", kind: "stories", status: "succeeded", stage: "done", percent: 100, result: { album_id: ALBUM.album_id } }),
    });
    const user = userEvent.setup({ applyAccept: false });  // the picker's filter is not the only guard
    renderApp(<Stories />, { route: "/stories/new", path: "/stories/*" });
    const start = screen.getByRole("button", { name: "Write the stories" });
    expect(start).toBeDisabled();
    expect(screen.getByTestId("album-problems")).toHaveTextContent("the album needs a title");
    await user.type(screen.getByLabelText("Album title"), "Paper Harbour");
    await user.type(screen.getByLabelText("Artist"), "Nova");
    await user.upload(screen.getByLabelText("Cover image"), new File(["png"], "cover.png", { type: "image/png" }));
    await user.type(screen.getByLabelText("Title"), "Harbour Lights");
    expect(screen.getByTestId("album-problems")).toHaveTextContent("song 1 has no lyrics");
    await user.upload(screen.getByLabelText("…or a .txt / .lrc file"),
      new File(["[00:01.00]I left the harbour lights behind"], "one.lrc", { type: "text/plain" }));
    expect(await screen.findByDisplayValue("[00:01.00]I left the harbour lights behind")).toBeInTheDocument();
    await user.upload(screen.getByLabelText("…or a .txt / .lrc file"), new File(["x"], "one.docx"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Lyric files are .txt or .lrc");
    await user.click(start);
    expect(await screen.findByRole("button", { name: "Open the album" })).toBeInTheDocument();
    expect(storage.map((s) => s.url)).toEqual(["https://s3/put"]);
    const body = calls.find((c) => c.path === "/stories/albums")!.body;
    expect(body).toMatchObject({ title: "Paper Harbour", artist_name: "Nova", cover_key: "artists/me/studio/references/r1/cover.png",
      songs: [{ title: "Harbour Lights", lyrics: "[00:01.00]I left the harbour lights behind" }] });
  });

  it("makes a listener collage from five typed songs", async () => {
    const { calls } = mockStudio({
      "POST /stories/listener": () => ({ key: "k", url: "https://s3/top5.png", engine: "offline:offline-collage-v1", width: 1080, height: 1920,
        songs: [1, 2, 3, 4, 5].map((n) => ({ title: `S${n}`, artist: "", mood: "calm", cover: false })) }),
    });
    const user = userEvent.setup();
    renderApp(<Stories />, { route: "/stories/listener", path: "/stories/*" });
    const make = screen.getByRole("button", { name: "Make the collage" });
    for (let n = 1; n <= 5; n += 1) {
      expect(make).toBeDisabled();
      await user.type(screen.getByLabelText(`Song ${n} title`), `S${n}`);
    }
    await user.click(make);
    expect(await screen.findByTestId("listener-collage")).toHaveAttribute("src", "https://s3/top5.png");
    expect(calls.at(-1)!.body).toMatchObject({ songs: [{ title: "S1" }, { title: "S2" }, { title: "S3" }, { title: "S4" }, { title: "S5" }] });
  });
});

describe("Stories with Spotify", () => {
  beforeEach(signInForTest);

  it("makes the collage from the code Spotify sends back, only for a sign-in started here", async () => {
    sessionStorage.setItem("stories-spotify-state", "s".repeat(20));
    const { calls } = mockStudio({
      "POST /stories/spotify/collage": () => Response.json({ key: "k", url: "https://s3/spotify.png", engine: "offline:offline-collage-v1",
        width: 1080, height: 1920, source: "spotify", audio_features: false,
        songs: [1, 2, 3, 4, 5].map((n) => ({ title: `T${n}`, artist: "A", mood: "calm", cover: true })) }, { status: 201 }),
    });
    renderApp(<Stories />, { route: `/stories/listener?code=abc&state=${"s".repeat(20)}`, path: "/stories/*" });
    expect(await screen.findByTestId("listener-collage")).toHaveAttribute("src", "https://s3/spotify.png");
    expect(calls.at(-1)).toMatchObject({ path: "/stories/spotify/collage", body: { code: "abc", state: "s".repeat(20) } });
    expect(sessionStorage.getItem("stories-spotify-state")).toBeNull();
  });

  it("refuses a code for a sign-in it did not start", async () => {
    const { calls } = mockStudio({});
    renderApp(<Stories />, { route: `/stories/listener?code=abc&state=${"x".repeat(20)}`, path: "/stories/*" });
    expect(await screen.findByRole("alert")).toHaveTextContent("This Spotify sign-in was not started here.");
    expect(calls.filter((c) => c.path.startsWith("/stories/"))).toHaveLength(0);
  });
});

describe("Stories from the library", () => {
  beforeEach(signInForTest);

  it("takes a song's lyrics from what the audio lab heard on a library track", async () => {
    const { calls } = mockStudio({
      "GET /tracks": () => ({ items: [{ ...track(), track_id: "t9", title: "Demo take" }], next_cursor: null }),
      "POST /studio/references": () => ({ key: "artists/me/studio/references/r1/c.png", url: "https://s3/put", method: "PUT", headers: {} }),
      "POST /stories/albums": () => Response.json(studioJob({ job_id: "s2", kind: "stories", status: "queued" }), { status: 202 }),
      "GET /jobs/{id}": () => studioJob({ job_id: "s2", kind: "stories", status: "running", stage: "song 1/1: story", percent: 40 }),
    });
    const user = userEvent.setup();
    renderApp(<Stories />, { route: "/stories/new", path: "/stories/*" });
    await user.type(screen.getByLabelText("Album title"), "Demos");
    await user.type(screen.getByLabelText("Artist"), "Nova");
    await user.upload(screen.getByLabelText("Cover image"), new File(["png"], "c.png", { type: "image/png" }));
    await user.type(screen.getByLabelText("Title"), "Take one");
    await user.selectOptions(await screen.findByLabelText("…or what the audio lab heard on a library track"), "t9");
    expect(screen.getByLabelText("Lyrics (English)")).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Write the stories" }));
    expect(await screen.findByText("song 1/1: story")).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/stories/albums")!.body).toMatchObject({ songs: [{ title: "Take one", track_id: "t9" }] });
  });

  it("mixes library tracks and typed songs in the listener collage", async () => {
    const { calls } = mockStudio({
      "GET /tracks": () => ({ items: [{ ...track(), track_id: "t1", title: "Demo one" }, { ...track(), track_id: "t2", title: "Demo two" }], next_cursor: null }),
      "POST /stories/listener": () => Response.json({ key: "k", url: "https://s3/mix.png", engine: "offline:offline-collage-v1", width: 1080,
        height: 1920, source: "typed", songs: [1, 2, 3, 4, 5].map((n) => ({ title: `S${n}`, artist: "", mood: "calm", cover: false })) }, { status: 201 }),
    });
    const user = userEvent.setup();
    renderApp(<Stories />, { route: "/stories/listener", path: "/stories/*" });
    await user.selectOptions(await screen.findByLabelText("Song 1 from the library"), "t2");
    await user.selectOptions(screen.getByLabelText("Song 2 from the library"), "t1");
    for (const n of [3, 4, 5]) await user.type(screen.getByLabelText(`Song ${n} title`), `Typed ${n}`);
    await user.click(screen.getByRole("button", { name: "Make the collage" }));
    expect(await screen.findByTestId("listener-collage")).toHaveAttribute("src", "https://s3/mix.png");
    expect(calls.at(-1)!.body).toMatchObject({ track_ids: ["t2", "t1"], songs: [{ title: "Typed 3" }, { title: "Typed 4" }, { title: "Typed 5" }] });
  });
});
