import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { UploadSession } from "../api/model";
import { job, track } from "../test/fixtures";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import type { UploadBackend } from "../upload/queue";
import Generation from "./GenerationRoutes";
import { detail, renderWithUploads, song, tenSongs } from "./testing";

const at = { route: "/generation/p1", path: "/generation/*" };

describe("ProjectPage: the ten songs", () => {
  beforeEach(signInForTest);

  it("shows each song's status, the counter and the refusal, and polls while identifying", async () => {
    let polls = 0;
    const songs = () => [
      song({ song_id: "s1", title: "Matched one" }),
      song({ song_id: "s2", title: "Still listening", status: polls > 1 ? "matched" : "identifying", match: polls > 1 ? song().match : null }),
      song({ song_id: "s3", title: "Unsure", status: "doubtful", match: null, candidates: [
        { recording_id: "demo-07", title: "Glass Garden", artists: ["Ivo Renn"], isrc: "ZZSMD2600007", confidence: 0.41, verdict: "doubtful" }] }),
      song({ song_id: "s4", title: "Unknown", status: "unmatched", match: null, error: null }),
      song({ song_id: "s5", title: "Broken", status: "failed", match: null, error: "fpcalc: cannot decode the file" }),
    ];
    const calls = mockApi({
      "GET /generation/projects/{p}": () => {
        polls++;
        return detail({ songs: songs(), ready: false, refusal: "the project has 5 songs; it needs exactly 10" });
      },
      "PUT /generation/projects/{p}/songs/{s}/match": () => song({ song_id: "s3", match: { ...song().match!, by: "hand" } }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    expect(await screen.findByTestId("matched-counter")).toHaveTextContent("1 of 10 matched · 5 of 10 songs added");
    expect(screen.getByTestId("refusal")).toHaveTextContent("the project has 5 songs; it needs exactly 10");
    const rows = screen.getAllByTestId("song");
    expect(rows.map((r) => r.dataset.status)).toEqual(["matched", "identifying", "doubtful", "unmatched", "failed"]);
    const matched = within(rows[0]!).getByTestId("song-match");
    expect(matched).toHaveTextContent("Harbour Lights — Mara Quill");
    expect(matched).toHaveTextContent("ZZSMD2600003");
    expect(matched).toHaveTextContent("93 %");
    expect(matched).toHaveTextContent("Mara Quill 3/5, holder:y 2/5");
    expect(within(rows[1]!).getByRole("status")).toHaveTextContent("Identifying…");
    expect(within(rows[3]!).getByText(/No catalog recording sounds close enough/)).toBeInTheDocument();
    expect(within(rows[4]!).getByText("fpcalc: cannot decode the file")).toBeInTheDocument();
    // Generate waits for the ten songs, and says why
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    expect(screen.getByTestId("generate-reason")).toHaveTextContent("Not ready: the project has 5 songs; it needs exactly 10");
    // a doubtful song: confirm its candidate
    await user.click(within(rows[2]!).getByRole("button", { name: "Confirm Glass Garden for Unsure" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")).toMatchObject({ path: "/generation/projects/p1/songs/s3/match", body: { recording_id: "demo-07" } });
    // the identifying song becomes matched through polling
    await waitFor(() => expect(screen.getByTestId("matched-counter")).toHaveTextContent("2 of 10 matched"), { timeout: 5000 });
  });

  it("searches Apple Music beside the local catalog when it is configured, and shows a song waiting for rights", async () => {
    let waiting = false;
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ ready: false, refusal: "x", songs: [waiting
        ? song({ song_id: "s1", title: "Mystery", status: "needs_rights", match: null,
          error: "'Harbour Static' (apple-music) has no rights holders in the platform's catalog: a royalty admin must add them before the project can continue",
          external: { source: "apple-music", recording_id: "apple-music:2000000002", title: "Harbour Static", artists: ["Nobody Known"], isrc: "QZABC2600098", url: null } })
        : song({ song_id: "s1", title: "Mystery", status: "unmatched", match: null })] }),
      "GET /generation/catalog/sources": () => ({ sources: ["local", "apple-music", "musicbrainz"] }),
      "GET /generation/catalog": () => ({ items: [] }),
      "GET /generation/catalog/external": (_r, url) => ({ source: "apple-music", items: url.searchParams.get("q") === "harbour"
        ? [{ source: "apple-music", recording_id: "apple-music:2000000002", title: "Harbour Static", artists: ["Nobody Known"], isrc: "QZABC2600098",
          url: null, duration_ms: 180000, rights: "needed", work_id: null, holders: {}, holder_names: {} },
        { source: "apple-music", recording_id: "apple-music:2000000001", title: "Harbour Lights", artists: ["Mara Quill"], isrc: "ZZSMD2600003",
          url: null, duration_ms: 180000, rights: "known", work_id: "work:demo-03", holders: { "holder:x": "1" }, holder_names: { "holder:x": "Mara Quill" } }]
        : [] }),
      "PUT /generation/projects/{p}/songs/{s}/match": () => { waiting = true; return song({ song_id: "s1", status: "needs_rights", match: null }); },
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    await user.click(await screen.findByRole("button", { name: "Match Mystery by hand" }));
    const dialog = screen.getByRole("dialog");
    await user.click(await within(dialog).findByRole("radio", { name: "Apple Music" }));
    expect(within(dialog).queryByRole("radio", { name: /musicbrainz/i })).not.toBeInTheDocument();  // identification only
    const search = within(dialog).getByLabelText(/Search Apple Music/);
    fireEvent.change(search, { target: { value: "harbour" } });
    const results = await within(dialog).findByRole("list", { name: "Apple Music results" }, { timeout: 3000 });
    const [unknown, known] = within(results).getAllByRole("listitem");
    expect(unknown).toHaveTextContent("rights holders unknown: a royalty admin must add them");
    expect(known).toHaveTextContent("Mara Quill 1");
    expect(known).not.toHaveTextContent("rights holders unknown");
    await user.click(within(unknown!).getByRole("button", { name: "Choose Harbour Static" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ recording_id: "apple-music:2000000002" }));
    expect(calls.filter((c) => c.path === "/generation/catalog/external").map((c) => c.query)).toContainEqual(
      { source: "apple-music", q: "harbour", limit: "10" });
    expect(await screen.findByText("Waiting for rights holders")).toBeInTheDocument();
    expect(screen.getByTestId("song-external")).toHaveTextContent("Apple Music: Harbour Static — Nobody Known (QZABC2600098)");
    await user.click(screen.getByRole("button", { name: "Check the rights of Mystery again" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "PUT")).toHaveLength(2));
  }, 15_000);

  it("matches a song by hand from a debounced catalog search, identifies again, removes", async () => {
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ songs: [song({ song_id: "s1", title: "Mystery", status: "unmatched", match: null })], ready: false, refusal: "x" }),
      "GET /generation/catalog": (_r, url) => ({ items: url.searchParams.get("q") === "paper"
        ? [{ recording_id: "demo-04", title: "Paper Moons", artists: ["Ada Vell"], isrc: "ZZSMD2600004", holders: { "holder:a": "1" }, holder_names: { "holder:a": "Ada Vell" } }]
        : [] }),
      "PUT /generation/projects/{p}/songs/{s}/match": () => song({ song_id: "s1" }),
      "POST /generation/projects/{p}/songs/{s}/identify": () => Response.json({ song: song({ status: "identifying" }), job: job() }, { status: 202 }),
      "DELETE /generation/projects/{p}/songs/{s}": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    await user.click(await screen.findByRole("button", { name: "Match Mystery by hand" }));
    const dialog = screen.getByRole("dialog");
    const search = within(dialog).getByLabelText(/Search the catalog/);
    await user.clear(search);
    await user.type(search, "paper");
    const choose = await within(dialog).findByRole("button", { name: "Choose Paper Moons" }, { timeout: 3000 });
    expect(within(dialog).getByText(/Ada Vell 1/)).toBeInTheDocument();
    await user.click(choose);
    // typing is debounced: the catalog is not asked for every keystroke
    const searches = calls.filter((c) => c.path === "/generation/catalog").map((c) => c.query.q);
    expect(searches).toContain("paper");
    expect(searches).not.toContain("pap");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ recording_id: "demo-04" });
    await user.click(screen.getByRole("button", { name: "Identify Mystery again" }));
    await user.click(screen.getByRole("button", { name: "Remove Mystery" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    expect(calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.path}`)).toEqual([
      "PUT /generation/projects/p1/songs/s1/match",
      "POST /generation/projects/p1/songs/s1/identify",
      "DELETE /generation/projects/p1/songs/s1",
    ]);
  });

  it("adds library tracks with the picker, at most the room left", async () => {
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ songs: tenSongs().slice(0, 8), ready: false, refusal: "8 songs" }),
      "GET /tracks": () => ({ items: [track({ track_id: "t0", title: "Already in" }), track({ track_id: "a", title: "Alpha" }),
        track({ track_id: "b", title: "Beta" }), track({ track_id: "c", title: "Gamma" })], next_cursor: null }),
      "POST /generation/projects/{p}/songs": () => Response.json({ songs: [], job: job() }, { status: 202 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    await user.click(await screen.findByRole("button", { name: "Add from library" }));
    const dialog = screen.getByRole("dialog");
    expect(await within(dialog).findByLabelText(/Alpha/)).toBeInTheDocument();
    expect(within(dialog).queryByLabelText(/Already in/)).not.toBeInTheDocument();  // t0 is in the project
    await user.click(within(dialog).getByLabelText(/Alpha/));
    await user.click(within(dialog).getByLabelText(/Beta/));
    expect(within(dialog).getByLabelText(/Gamma/)).toBeDisabled();  // two fit, two chosen
    await user.click(within(dialog).getByRole("button", { name: "Add 2 songs" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ track_ids: ["a", "b"] }));
  });

  it("adds dropped files to the project once the upload queue made them tracks", async () => {
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ songs: [], ready: false, refusal: "no songs" }),
      "POST /generation/projects/{p}/songs": () => Response.json({ songs: [], job: job() }, { status: 202 }),
    });
    const backend: UploadBackend = {
      create: vi.fn(async (request): Promise<UploadSession> => ({ upload_id: "u1", key: `uploads/me/u1/${request.filename}`,
        multipart: false, url: "https://s3/single", method: "PUT", headers: {} })),
      complete: vi.fn(async () => undefined),
      abort: vi.fn(async () => undefined),
      findJob: vi.fn(async (key: string) => job({ kind: "ingest", status: "succeeded", stage: "done", percent: 100,
        subject: { key }, result: { track_id: `track-of-${key.split("/").pop()}` } })),
      process: vi.fn(async () => job({ status: "queued" })),
      put: vi.fn(async (_url, body, _headers, onProgress) => {
        onProgress(body.size);
        return { etag: '"e"' };
      }),
    };
    localStorage.setItem("soundmosaic.autoProcess", "false");
    renderWithUploads(<Generation />, backend, at);
    const input = await screen.findByTestId("file-input");
    fireEvent.change(input, { target: { files: [new File([new Uint8Array(10)], "one.wav", { type: "audio/wav" })] } });
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ track_ids: ["track-of-one.wav"] }), { timeout: 5000 });
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });
});
