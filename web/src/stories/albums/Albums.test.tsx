import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../../test/utils";
import type { Album } from "./albums";
import Albums from "./AlbumsRoutes";

function album(overrides: Partial<Album> = {}): Album {
  const track = (n: number) => ({
    title: `Track ${n}`, description: `Story ${n}`, image_prompt: `scene ${n}`, music_prompt: `folk ${n}`, seconds: 30,
    soundscape: { tempo_bpm: 90, key: "A minor", instrumentation: ["acoustic guitar", "violin"], mood: "calm" },
  });
  return {
    album_id: "0123456789abcdef01234567", concept: "A night train crosses a frozen desert",
    constraints: { tracks: 2, seconds: 30, genre: "", mood_arc: [], artist_id: null, artist_name: "" },
    templates: { system: "You are the director.", concept: "Read it.", soundscape: "Plan it.", tracks: "Write them.",
      visuals: "Style.", output: "JSON only." },
    plan: { title: "Frozen Lines", description: "An album.", genre: "folk", mood_arc: ["calm", "hopeful"],
      visual_style: "collage", cover: { image_prompt: "a train" }, tracks: [track(1), track(2)] },
    director_engine: "offline", offline: true, status: "planned", job_id: null, site_key: null,
    created_at: "2026-12-07T10:00:00Z", updated_at: "2026-12-07T10:00:00Z", tracks: [], cover_url: null, site_url: null,
    ...overrides,
  };
}

describe("Albums", () => {
  beforeEach(signInForTest);

  it("plans a new album from a concept and opens it", async () => {
    const calls = mockApi({
      "GET /albums": () => ({ items: [] }),
      "POST /albums": () => Response.json(album(), { status: 201 }),
      "GET /albums/{id}": () => album(),
    });
    const user = userEvent.setup();
    renderApp(<Albums />, { route: "/albums", path: "/albums/*" });
    expect(await screen.findByText("No albums yet")).toBeInTheDocument();
    const plan = screen.getByRole("button", { name: "Plan the album" });
    expect(plan).toBeDisabled();  // an empty concept is not sent
    await user.click(screen.getByLabelText("Concept"));
    await user.paste("A night train crosses a frozen desert");
    await user.clear(screen.getByLabelText("Tracks"));
    await user.type(screen.getByLabelText("Tracks"), "2");
    await user.click(screen.getByLabelText(/Mood arc/));
    await user.paste("calm, hopeful");
    await user.click(plan);
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({
      concept: "A night train crosses a frozen desert", tracks: 2, seconds: 30, mood_arc: ["calm", "hopeful"],
    });
    expect(await screen.findByRole("heading", { name: "Frozen Lines" })).toBeInTheDocument();
    expect(screen.getByText(/the offline engine/)).toBeInTheDocument();
    expect(screen.getByLabelText("Title of track 2")).toHaveValue("Track 2");
  });

  it("saves an edited plan and shows the API's per-field errors", async () => {
    const calls = mockApi({
      "GET /albums/{id}": () => album(),
      "PUT /albums/{id}/plan": () => Response.json(
        { message: "tracks[0].soundscape.key: 'Q minor' does not match '^[A-G](#|b)? (major|minor)$'" }, { status: 400 }),
    });
    const user = userEvent.setup();
    renderApp(<Albums />, { route: "/albums/0123456789abcdef01234567", path: "/albums/*" });
    const key = (await screen.findAllByLabelText("Key"))[0]!;
    await user.clear(key);
    await user.paste("Q minor");
    await user.click(screen.getByRole("button", { name: "Save the plan" }));
    const sent = calls.find((c) => c.method === "PUT")?.body as { plan: { tracks: { soundscape: { key: string } }[] } };
    expect(sent.plan.tracks[0]!.soundscape.key).toBe("Q minor");
    expect(await screen.findByRole("alert")).toHaveTextContent("tracks[0].soundscape.key: 'Q minor' does not match");
  });

  it("shows each track's progress and regenerates a failed one alone", async () => {
    const built = album({
      status: "built", job_id: "j1", site_url: "https://s3/site.zip", cover_url: "https://s3/cover.png",
      tracks: [
        { number: 1, title: "Track 1", status: "done", error: null, image_url: "https://s3/1.png", audio_url: "https://s3/1.wav",
          image_engine: "offline", music_engine: "offline" },
        { number: 2, title: "Track 2", status: "failed", error: "ProviderRefused: NSFW content detected", image_url: null,
          audio_url: null, image_engine: null, music_engine: null },
      ],
    });
    const calls = mockApi({
      "GET /albums/{id}": () => built,
      "GET /jobs/{id}": () => ({ artist_id: "a", job_id: "j1", kind: "album", status: "succeeded", stage: "done", percent: 100,
        created_at: "x", updated_at: "x", finished_at: "x", error: null, correlation_id: null, subject: {}, result: {} }),
      "POST /albums/{id}/tracks/{n}/regenerate": () => Response.json({ job_id: "j2" }, { status: 202 }),
    });
    const user = userEvent.setup();
    renderApp(<Albums />, { route: "/albums/0123456789abcdef01234567", path: "/albums/*" });
    const states = await screen.findAllByTestId("track-state");
    expect(states.map((s) => s.dataset.status)).toEqual(["done", "failed"]);
    expect(within(states[1]!).getByText("ProviderRefused: NSFW content detected")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Download the website (zip)" })).toHaveAttribute("href", "https://s3/site.zip");
    await user.click(within(states[1]!).getByRole("button", { name: "Regenerate" }));
    expect(calls.some((c) => c.method === "POST" && c.path === "/albums/0123456789abcdef01234567/tracks/2/regenerate")).toBe(true);
  });
});

describe("Albums while an LLM director plans", () => {
  beforeEach(signInForTest);

  it("says the director is planning and offers nothing to edit or generate yet", async () => {
    mockApi({ "GET /albums/{id}": () => album({ plan: null, status: "planning", job_id: "p1", director_engine: "anthropic:claude-sonnet-4-6", offline: false }) });
    renderApp(<Albums />, { route: "/albums/0123456789abcdef01234567", path: "/albums/*" });
    expect(await screen.findByRole("heading", { name: "Planning…" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("The director (anthropic:claude-sonnet-4-6) is planning the album");
    expect(screen.getByRole("button", { name: "Generate the album" })).toBeDisabled();
    expect(screen.queryByLabelText("Title of track 1")).not.toBeInTheDocument();
  });
});
