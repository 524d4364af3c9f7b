import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { renderApp, signInForTest } from "../test/utils";
import Studio from "./StudioRoutes";
import { artwork, dna, EMPTY_DNA, mockStudio, noTracks, studioJob } from "./testing";

const studio = (route: string) => renderApp(<Studio />, { route, path: "/studio/*" });

async function fillBrief(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText("Artist name"), "Nova");
  await user.type(screen.getByLabelText("Genre"), "synthwave");
  await user.type(screen.getByLabelText("Mood"), "nostalgic");
}

describe("ArtworkPage", () => {
  beforeEach(() => {
    signInForTest();
    URL.createObjectURL = () => "blob:preview";
    URL.revokeObjectURL = () => undefined;
  });

  it("suggests prompt words from the genre, the mood and the artistDNA as the user types", async () => {
    mockStudio({ ...noTracks, "GET /studio/artwork": () => ({ items: [], next_cursor: null }), "GET /studio/dna": () => dna() });
    const user = userEvent.setup();
    studio("/studio/artwork");
    await fillBrief(user);
    const list = await screen.findByRole("list", { name: "Prompt suggestions" });
    await waitFor(() => expect(within(list).getByRole("button", { name: /magenta, deep blue palette \(from your artistDNA\)/ })).toBeInTheDocument());
    expect(within(list).getByRole("button", { name: /neon grid horizon/ })).toBeInTheDocument();
    const prompt = screen.getByLabelText("Prompt");
    await user.type(prompt, "a car on an empty road, chr");
    await waitFor(() => expect(within(list).getAllByRole("button").map((b) => b.textContent)).toEqual(["→ chrome lettering"]));
    await user.click(within(list).getByRole("button", { name: /chrome lettering/ }));
    expect(prompt).toHaveValue("a car on an empty road, chrome lettering");
    expect(prompt).toHaveFocus();
    await waitFor(() => expect(within(list).queryByRole("button", { name: /chrome lettering/ })).not.toBeInTheDocument());
    await user.click(within(list).getByRole("button", { name: /neon grid horizon/ }));
    expect(prompt).toHaveValue("a car on an empty road, chrome lettering, neon grid horizon");
  });

  it("refuses a brief without a prompt and lists past artworks", async () => {
    const summary = (artwork_id: string, title: string, status = "ok") => ({
      artwork_id, title, status, prompt: "p", created_at: "2026-01-01T10:00:00Z", job_id: "j", parent: null, candidate_ids: ["c01"],
      thumbnail_url: `https://s3/${artwork_id}.png`,
    });
    const { calls } = mockStudio({
      ...noTracks, "GET /studio/dna": () => dna(),
      "GET /studio/artwork": () => ({ items: [summary("a1", "Old Cover"), summary("a2", "Other", "queued")], next_cursor: null }),
    });
    const user = userEvent.setup();
    studio("/studio/artwork");
    await fillBrief(user);
    await user.click(screen.getByRole("button", { name: "Generate artwork" }));
    expect(screen.getByLabelText("Prompt")).toHaveAccessibleDescription(/Describe the artwork in a few words/);
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    const past = await screen.findByTestId("artwork-list");
    const links = within(past).getAllByRole("link");
    expect(links[0]).toHaveAttribute("href", "/studio/artwork/a1");
    expect(links[0]!.querySelector("img")).toHaveAttribute("src", "https://s3/a1.png");
    await waitFor(() => expect(links[0]).toHaveTextContent("picked"));  // the artistDNA has a pick of a1
    expect(links[1]).toHaveTextContent("Other");
    expect(links[1]).not.toHaveTextContent("picked");
    expect(links[1]).toHaveTextContent("being made");
  });

  it("uploads references, starts the job, follows it and opens the candidate grid", async () => {
    let polls = 0;
    const { calls, storage } = mockStudio({
      ...noTracks,
      "GET /studio/dna": () => EMPTY_DNA,
      "GET /studio/artwork": () => ({ items: [], next_cursor: null }),
      "POST /studio/references": () => Response.json({ key: "artists/tester/studio/references/r1/ref.png", url: "https://s3/ref", method: "PUT", headers: { "Content-Type": "image/png" } }, { status: 201 }),
      "POST /studio/artwork": () => Response.json(studioJob({ job_id: "j7", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /jobs/{id}": () => (++polls < 2
        ? studioJob({ job_id: "j7", stage: "artwork 0/1", percent: 40 })
        : studioJob({ job_id: "j7", status: "succeeded", stage: "done", percent: 100, result: { artwork_ids: ["a1"] } })),
      "GET /studio/artwork/{id}": () => artwork(),
    });
    const user = userEvent.setup();
    studio("/studio/artwork");
    await fillBrief(user);
    await user.type(screen.getByLabelText("Prompt"), "a neon rooftop at night");
    await user.clear(screen.getByLabelText("Candidates"));
    await user.type(screen.getByLabelText("Candidates"), "2");
    await user.upload(screen.getByLabelText(/Reference images/), new File(["png"], "ref.png", { type: "image/png" }));
    await screen.findByText("Uploaded");
    expect(storage).toEqual([{ method: "PUT", url: "https://s3/ref", headers: { "content-type": "image/png" } }]);
    expect(calls.find((c) => c.path === "/studio/references")?.body).toEqual({ filename: "ref.png", content_type: "image/png", size_bytes: 3 });
    await user.click(screen.getByRole("button", { name: "Generate artwork" }));

    const bar = await screen.findByRole("progressbar", { name: "Making artwork: artwork 0/1" });
    expect(bar).toHaveAttribute("aria-valuenow", "40");
    expect(calls.find((c) => c.path === "/studio/artwork" && c.method === "POST")?.body).toEqual({
      prompt: "a neon rooftop at night", artist_name: "Nova", genre: "synthwave", mood: "nostalgic", count: 2,
      reference_keys: ["artists/tester/studio/references/r1/ref.png"],
    });
    const cards = await screen.findAllByTestId("artwork-candidate", {}, { timeout: 5000 });
    expect(cards).toHaveLength(2);
    expect(within(cards[0]!).getByRole("img")).toHaveAttribute("src", "https://s3/c01.png");
    expect(cards[0]).toHaveTextContent("seed 11 · offline · procedural-v1");
    expect(within(cards[0]!).getByText("offline engine")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Night Drive");
  });

  it("refuses a file that is not an image before uploading it", async () => {
    const { calls } = mockStudio({ ...noTracks, "GET /studio/dna": () => dna(), "GET /studio/artwork": () => ({ items: [], next_cursor: null }) });
    const user = userEvent.setup({ applyAccept: false });
    studio("/studio/artwork");
    await user.upload(screen.getByLabelText(/Reference images/), new File(["x"], "notes.txt", { type: "text/plain" }));
    expect(await screen.findByText("Not a PNG, JPEG or WebP image.")).toBeInTheDocument();
    expect(calls.some((c) => c.path === "/studio/references")).toBe(false);
  });
});

describe("ArtworkDetailPage", () => {
  beforeEach(signInForTest);

  it("shows the prompt the model saw, and marks the candidate the artistDNA has as final", async () => {
    mockStudio({ "GET /studio/artwork/{id}": () => artwork(), "GET /studio/dna": () => dna() });
    studio("/studio/artwork/a1");
    const cards = await screen.findAllByTestId("artwork-candidate");
    expect(screen.getByTestId("final-prompt")).toHaveTextContent("colour palette #ff00ff");
    await waitFor(() => expect(cards[0]).toHaveClass("candidate-picked"));
    expect(within(cards[0]!).getByRole("link", { name: "Make a video loop" })).toHaveAttribute("href", "/studio/video?artwork=a1&candidate=c01");
    expect(within(cards[1]!).getByRole("button", { name: "Pick Candidate 2" })).toBeEnabled();
  });

  it("picks the final candidate into the artistDNA and offers a video loop", async () => {
    const { calls } = mockStudio({
      "GET /studio/artwork/{id}": () => artwork(), "GET /studio/dna": () => EMPTY_DNA,
      "POST /studio/artwork/{id}/pick": () => ({ dna_version: 5 }),
    });
    const user = userEvent.setup();
    studio("/studio/artwork/a1");
    await user.click(await screen.findByRole("button", { name: "Pick Candidate 2" }));
    expect(await screen.findByTestId("artwork-picked")).toHaveTextContent("in your artistDNA as version 5");
    expect(calls.find((c) => c.method === "POST")).toMatchObject({ path: "/studio/artwork/a1/pick", body: { candidate_id: "c02" } });
    const card = screen.getAllByTestId("artwork-candidate")[1]!;
    expect(card).toHaveClass("candidate-picked");
    expect(within(card).getByRole("link", { name: "Make a video loop" })).toHaveAttribute("href", "/studio/video?artwork=a1&candidate=c02");
    expect(screen.queryByRole("button", { name: "Pick Candidate 2" })).not.toBeInTheDocument();
  });

  it("refines a candidate: the edited prompt on its seed", async () => {
    const { calls } = mockStudio({
      "GET /studio/artwork/{id}": () => artwork({ references: [{ key: "artists/tester/studio/references/r1/ref.png", description: "a blue room",
        provider: "offline", model: "describe-v1", offline: true }] }),
      "GET /studio/dna": () => dna(),
      "POST /studio/artwork": () => Response.json(studioJob({ job_id: "r1", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /jobs/{id}": () => studioJob({ job_id: "r1", stage: "artwork", percent: 10 }),
    });
    const user = userEvent.setup();
    studio("/studio/artwork/a1");
    expect(await screen.findByText("a blue room")).toBeInTheDocument();
    await user.click(await screen.findByRole("button", { name: "Refine Candidate 1" }));
    const form = screen.getByRole("form", { name: "Refine candidate 1" });
    expect(form).toHaveTextContent("keeps this candidate's seed (11)");
    const prompt = within(form).getByLabelText("Prompt for the new candidates");
    expect(prompt).toHaveValue("a neon rooftop at night");
    await user.type(prompt, ", heavier rain");
    await user.click(within(form).getByRole("button", { name: "Refine" }));
    await screen.findByRole("progressbar", { name: /Making artwork/ });
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      prompt: "a neon rooftop at night, heavier rain", artist_name: "Nova", genre: "synthwave", mood: "nostalgic",
      title: "Night Drive", count: 1, reference_keys: ["artists/tester/studio/references/r1/ref.png"],
      parent: { artwork_id: "a1", candidate_id: "c01" },
    });
  });

  it("varies a candidate on the seeds next to it, and says why the job failed", async () => {
    const { calls } = mockStudio({
      "GET /studio/artwork/{id}": () => artwork(),
      "GET /studio/dna": () => dna(),
      "POST /studio/artwork": () => Response.json(studioJob({ job_id: "v1", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /jobs/{id}": () => studioJob({ job_id: "v1", status: "failed", stage: "artwork 1/1", error: "nothing was made: the image provider refused the prompt" }),
    });
    const user = userEvent.setup();
    studio("/studio/artwork/a1");
    await user.click(await screen.findByRole("button", { name: "Refine Candidate 2" }));
    await user.clear(screen.getByLabelText("Variations"));
    await user.type(screen.getByLabelText("Variations"), "3");
    await user.click(screen.getByRole("button", { name: "Vary this candidate" }));
    expect(await screen.findByText(/Failed at “artwork 1\/1”: nothing was made: the image provider refused the prompt/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({
      prompt: "a neon rooftop at night", variation: true, count: 3, parent: { artwork_id: "a1", candidate_id: "c02" },
    });
    expect(calls.find((c) => c.method === "POST")?.body).not.toHaveProperty("seed");
  });

  it("says when the artwork does not exist", async () => {
    mockStudio({ "GET /studio/artwork/{id}": () => Response.json({ statusCode: 404, message: "no artwork nope" }, { status: 404 }), "GET /studio/dna": () => EMPTY_DNA });
    studio("/studio/artwork/nope");
    expect(await screen.findByText("This artwork is not yours, or it does not exist")).toBeInTheDocument();
  });
});
