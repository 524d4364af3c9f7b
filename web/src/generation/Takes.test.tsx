import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { job } from "../test/fixtures";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import Generation from "./GenerationRoutes";
import { detail, publication, take } from "./testing";

const at = { route: "/generation/p1", path: "/generation/*" };
const noArtworks = { "GET /studio/artwork": () => ({ items: [], next_cursor: null }) };

describe("ProjectPage: generate, takes, publish", () => {
  beforeEach(signInForTest);

  it("generates with the chosen seed, length, influence and prompt", async () => {
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail(),
      "POST /generation/projects/{p}/takes": () => Response.json({ take: take({ status: "generating" }), job: job() }, { status: 202 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    expect(await screen.findByTestId("matched-counter")).toHaveTextContent("10 of 10 matched");
    expect(screen.queryByTestId("refusal")).not.toBeInTheDocument();
    expect(screen.getByText("No takes yet")).toBeInTheDocument();
    const seed = screen.getByLabelText("Seed");
    expect((seed as HTMLInputElement).value).toMatch(/^\d+$/);  // random by default
    await user.clear(seed);
    await user.type(seed, "-4");
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();  // not a seed
    expect(screen.getByText(/A seed is a whole number/)).toBeInTheDocument();
    await user.clear(seed);
    await user.type(seed, "42");
    const seconds = screen.getByLabelText("Length (seconds)");
    await user.clear(seconds);
    await user.type(seconds, "200");
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    await user.clear(seconds);
    await user.type(seconds, "20");
    const slider = screen.getByLabelText("Influence of the ten songs");
    expect(slider).toHaveAttribute("min", "55");
    expect(slider).toHaveAttribute("max", "95");
    expect(slider).toHaveValue("85");
    fireEvent.change(slider, { target: { value: "70" } });
    expect(screen.getByText("70 %")).toBeInTheDocument();
    await user.type(screen.getByLabelText(/Prompt/), "slow and warm");
    await user.click(screen.getByRole("button", { name: "Generate" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual(
      { seed: 42, seconds: 20, influence: "70/100", prompt: "slow and warm" }));
    // the next take gets a fresh seed unless set again
    await waitFor(() => expect(screen.getByLabelText("Seed")).not.toHaveValue("42"));
  }, 15_000);

  it("generates with each song's weight, refusing weights that are no whole numbers or all zero", async () => {
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail(),
      "POST /generation/projects/{p}/takes": () => Response.json({ take: take({ status: "generating" }), job: job() }, { status: 202 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    await user.click(await screen.findByText("Each song's weight"));
    const weight = (i: number, value: string) => fireEvent.change(screen.getByLabelText(`Weight of Song ${i}`), { target: { value } });
    weight(0, "-2");
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    for (let i = 0; i < 10; i++) weight(i, "0");
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    expect(screen.getByText(/not all 0/)).toBeInTheDocument();
    for (let i = 1; i < 10; i++) weight(i, "1");
    weight(0, "9");
    await user.click(screen.getByRole("button", { name: "Generate" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({ weights: { s0: "9" } }));
  }, 15_000);

  it("shows the API's refusal (409) when generating is refused", async () => {
    mockApi({
      "GET /generation/projects/{p}": () => detail(),
      "POST /generation/projects/{p}/takes": () => Response.json({ message: "two songs match the same work: work:demo-03" }, { status: 409 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    await user.click(await screen.findByRole("button", { name: "Generate" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("two songs match the same work: work:demo-03");
  });

  it("follows a take being generated, then plays it with its waveform and provenance", async () => {
    let polls = 0;
    mockApi({
      "GET /generation/projects/{p}": () => detail({ takes: [polls >= 2 ? take() : take({ status: "generating", engine: null, offline: null })] }),
      "GET /jobs/{id}": () => (++polls < 2 ? job({ job_id: "g1", kind: "audio", stage: "render", percent: 60 })
        : job({ job_id: "g1", status: "succeeded", stage: "done", percent: 100 })),
      ...noArtworks,
    });
    renderApp(<Generation />, at);
    expect(await screen.findByRole("progressbar", { name: "Generating: render" })).toHaveAttribute("aria-valuenow", "60");
    const card = await screen.findByRole("listitem", { name: "Take with seed 1234" });
    await waitFor(() => expect(within(card).getByLabelText("Play take 1234")).toHaveAttribute("src", "https://s3/k1.mp3"), { timeout: 6000 });
    expect(within(card).getByText("offline engine")).toBeInTheDocument();
    expect(within(card).getByTestId("peaks").querySelectorAll("rect")).toHaveLength(4);
    expect(within(card).getByRole("link", { name: "Download WAV" })).toHaveAttribute("href", "https://s3/k1.wav");
    expect(within(card).getByRole("link", { name: "Download MIDI" })).toHaveAttribute("href", "https://s3/k1.mid");
    const bars = within(card).getAllByTestId("influence");
    expect(bars.map((b) => b.textContent)).toEqual(["Harbour Lights15 %", "Paper Moons5.0 %"]);
    expect(within(card).getByRole("img", { name: "Royalties: 67 % to the ten songs, 33 % to the training catalog" })).toBeInTheDocument();
    expect(within(card).getByText(/pro rata over 24 catalog works/)).toBeInTheDocument();
    const check = within(card).getByRole("region", { name: "Requested and measured influence" });
    expect(within(check).getAllByTestId("influence-pair").map((p) => p.getAttribute("aria-label"))).toEqual([
      "Harbour Lights: requested 75 %, measured 40 %", "Paper Moons: requested 25 %, measured 60 %"]);
    expect(within(check).getByText("flagged for review")).toHaveClass("badge-error");
    expect(check).toHaveTextContent("distance 35 % (tolerance 30 %); the split uses requested weights until a royalty admin reviews them");
  }, 10_000);

  it("says when a royalty admin has reviewed a flagged take", async () => {
    const base = take();
    const reviewed = take({ provenance: { ...base.provenance!, influence_check: { ...base.provenance!.influence_check!, reviewed_version: 3 } } });
    mockApi({ "GET /generation/projects/{p}": () => detail({ takes: [reviewed] }), ...noArtworks });
    renderApp(<Generation />, at);
    const card = await screen.findByRole("listitem", { name: "Take with seed 1234" });
    expect(within(card).getByText("reviewed by a royalty admin (version 3)")).toHaveClass("badge-ok");
  });

  it("keeps a take and regenerates with a new seed and the same settings", async () => {
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ takes: [take({ seconds: 45, influence: "60/100", prompt: "dusty" })] }),
      "POST /generation/projects/{p}/takes/{t}/keep": () => take({ kept: true }),
      "POST /generation/projects/{p}/takes": () => Response.json({ take: take({ take_id: "k2", status: "generating" }), job: job() }, { status: 202 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    await user.click(await screen.findByRole("button", { name: "Keep take 1234" }));
    await user.click(screen.getByRole("button", { name: "Regenerate" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(2));
    const [keep, again] = calls.filter((c) => c.method === "POST");
    expect(keep!.path).toBe("/generation/projects/p1/takes/k1/keep");
    expect(again!.body).toMatchObject({ seconds: 45, influence: "60/100", prompt: "dusty" });
    expect((again!.body as { seed: number }).seed).toEqual(expect.any(Number));
  });

  it("publishes the kept take and follows the publication until it is submitted", async () => {
    let published = false;
    let polls = 0;
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ takes: [take({ kept: true, publication: published ? { release_id: "r1", content_hash: "abc" } : null })] }),
      "POST /generation/projects/{p}/takes/{t}/publish": () => {
        published = true;
        return Response.json(publication(), { status: 202 });
      },
      "GET /generation/projects/{p}/takes/{t}/publication": () => {
        polls++;
        if (polls < 2) return publication({ status: "packaging", attempts: 1 });
        if (polls < 3) return publication({ status: "failed_retrying", attempts: 1, last_error: "distributor answered 503",
          next_try_at: "2026-01-02T12:00:00Z", steps: { package: "2026-01-02T11:58:00Z" } });
        return publication({ status: "submitted", attempts: 2, distributor_status: "accepted", steps: { package: "x", send: "y" },
          package_files: [{ name: "r1/ern.xml", size: 2048, url: "https://s3/ern.xml" },
          { name: "r1/audio.wav", size: 5_292_044, url: "https://s3/audio.wav" }] });
      },
      "GET /studio/artwork": () => ({ items: [{ artwork_id: "a1", title: "Cover one", prompt: "p", created_at: "", job_id: null,
        status: "ok", parent: null, candidate_ids: ["c01"], thumbnail_url: null }], next_cursor: null }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    const form = await screen.findByRole("form", { name: "Publish" });
    expect(within(form).getByLabelText("Title")).toHaveValue("Summer single");
    await user.click(within(form).getByRole("button", { name: "Publish" }));
    expect(within(form).getByText("A release needs a title and a genre.")).toBeInTheDocument();
    await user.type(within(form).getByLabelText("Genre"), "synthwave");
    await user.type(within(form).getByLabelText(/ISRC/), "zz-smd-26-00099");
    await user.selectOptions(within(form).getByLabelText("Artwork"), "a1");
    const date = within(form).getByLabelText("Release date");
    fireEvent.change(date, { target: { value: "2026-03-01" } });
    await user.click(within(form).getByRole("button", { name: "Publish" }));
    await waitFor(() => expect(calls.find((c) => c.path.endsWith("/publish"))?.body).toEqual({
      title: "Summer single", artist: "tester", genre: "synthwave", release_date: "2026-03-01", isrc: "ZZSMD2600099", artwork_id: "a1" }));
    const pub = await screen.findByTestId("publication");
    await waitFor(() => expect(pub).toHaveAttribute("data-status", "failed_retrying"), { timeout: 5000 });
    expect(pub).toHaveTextContent("Attempt 1 of 5 failed: distributor answered 503. Next try");
    expect(within(pub).getByText(/Sending/).closest("li")).toHaveClass("step-failed");
    expect(within(pub).getByText(/Packaging/).closest("li")).toHaveClass("step-done");
    expect(within(pub).getByTestId("publication-done")).toHaveTextContent("release package written");
    await waitFor(() => expect(pub).toHaveAttribute("data-status", "submitted"), { timeout: 5000 });
    expect(pub).toHaveTextContent("Submitted to the distributor (accepted).");
    expect(within(pub).getByRole("link", { name: "r1/ern.xml" })).toHaveAttribute("href", "https://s3/ern.xml");
    const after = polls;
    await new Promise((r) => setTimeout(r, 1800));
    expect(polls).toBe(after);  // final: no more polling
  }, 15_000);

  it("says why a publication failed for good and retries it", async () => {
    let retried = false;
    const calls = mockApi({
      "GET /generation/projects/{p}": () => detail({ takes: [take({ kept: true, publication: { release_id: "r1", content_hash: "abc" } })] }),
      "GET /generation/projects/{p}/takes/{t}/publication": () => (retried ? publication({ status: "queued" })
        : publication({ status: "failed", attempts: 5, reason: "the distributor refused it: unknown genre" })),
      "POST /generation/projects/{p}/takes/{t}/publication/retry": () => {
        retried = true;
        return Response.json(publication({ status: "queued" }), { status: 202 });
      },
      ...noArtworks,
    });
    const user = userEvent.setup();
    renderApp(<Generation />, at);
    const pub = await screen.findByTestId("publication");
    await waitFor(() => expect(pub).toHaveTextContent("Publishing failed: the distributor refused it: unknown genre"));
    await user.click(within(pub).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(pub).toHaveAttribute("data-status", "queued"));
    expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/publication/retry"))).toBe(true);
  });
});
