import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { renderApp, signInForTest } from "../test/utils";
import Studio from "./StudioRoutes";
import { mockStudio, studioJob } from "./testing";

const HEAD = "title,artist_name,genre,mood,prompt";

describe("BatchPage", () => {
  beforeEach(signInForTest);

  it("previews a pasted CSV, marks the rows with problems and will not start it", async () => {
    const { calls } = mockStudio({});
    const user = userEvent.setup();
    renderApp(<Studio />, { route: "/studio/batch", path: "/studio/*" });
    const paste = screen.getByLabelText("…or paste it");
    await user.click(paste);
    await user.paste(`${HEAD}\nNight Drive,Nova,synthwave,nostalgic,"neon, rain"\nLow Tide,Nova,ambient,,\n,Nova,,,fog`);
    expect(screen.getByTestId("batch-summary")).toHaveTextContent("CSV: 3 items, 2 with problems");
    const rows = screen.getAllByTestId("batch-row");
    expect(rows[0]).not.toHaveClass("row-error");
    expect(within(rows[0]!).getAllByRole("cell").map((c) => c.textContent)).toEqual(["2", "Night Drive", "Nova", "synthwave", "nostalgic", "neon, rain", "—"]);
    expect(rows[1]).toHaveClass("row-error");
    expect(rows[1]).toHaveTextContent("prompt is required");
    expect(rows[2]).toHaveTextContent("title is required");
    expect(screen.getByRole("button", { name: "Start the batch" })).toBeDisabled();
    await user.clear(paste);
    await user.click(paste);
    await user.paste("title,prompt\nx,y");
    expect(screen.getByRole("alert")).toHaveTextContent("Missing columns: artist_name, genre, mood");
    expect(calls).toHaveLength(0);
  });

  it("starts a JSON file, follows the job and shows the contact sheet and each item's result", async () => {
    let polls = 0;
    const report = {
      job_id: "b1", kind: "artwork_batch", finished: true, finished_at: "2026-01-02T10:00:00Z", contact_sheet_url: "https://s3/sheet.png",
      counts: { ok: 1, partial: 0, refused: 0, failed: 1 },
      items: [
        { index: 0, artwork_id: "a1", title: "Night Drive", status: "ok", made: ["c01"], refused: [], error: null, urls: { c01: "https://s3/c01.png" } },
        { index: 1, artwork_id: "a2", title: "Low Tide", status: "failed", made: [], refused: [], error: "the model provider failed: timed out" },
      ],
    };
    const items = [
      { title: "Night Drive", artist_name: "Nova", genre: "synthwave", mood: "nostalgic", prompt: "neon" },
      { title: "Low Tide", artist_name: "Nova", genre: "ambient", mood: "calm", prompt: "still water" },
    ];
    const { calls } = mockStudio({
      "POST /studio/artwork/batch": () => Response.json(studioJob({ job_id: "b1", kind: "artwork_batch", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /jobs/{id}": () => (++polls < 2
        ? studioJob({ job_id: "b1", kind: "artwork_batch", stage: "artwork 1/2", percent: 50 })
        : studioJob({ job_id: "b1", kind: "artwork_batch", status: "succeeded", stage: "done", percent: 100, result: {
          artwork_ids: ["a1"], images: 1, items: 2, contact_sheet_key: "artists/tester/studio/batches/b1/contact-sheet.png" } })),
      "GET /studio/batches/{id}": () => report,
    });
    const user = userEvent.setup();
    renderApp(<Studio />, { route: "/studio/batch", path: "/studio/*" });
    await user.upload(screen.getByLabelText("CSV or JSON file"), new File([JSON.stringify({ items })], "batch.json", { type: "application/json" }));
    expect(await screen.findByTestId("batch-summary")).toHaveTextContent("JSON: 2 items — ready to start.");
    await user.click(screen.getByRole("button", { name: "Start 2 artworks" }));
    expect(await screen.findByRole("progressbar", { name: "Making the batch: artwork 1/2" })).toHaveAttribute("aria-valuenow", "50");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ items });
    const sheet = await screen.findByTestId("contact-sheet", {}, { timeout: 5000 });
    expect(sheet).toHaveAttribute("src", "https://s3/sheet.png");
    expect(screen.getByText("1 of 2 made, 1 failed.")).toBeInTheDocument();
    const results = screen.getAllByTestId("batch-item");
    expect(within(results[0]!).getByRole("link", { name: "Open the candidate" })).toHaveAttribute("href", "/studio/artwork/a1");
    expect(results[1]).toHaveTextContent("Low Tide failed the model provider failed: timed out");
    expect(within(results[1]!).queryByRole("link")).not.toBeInTheDocument();
  });

  it("shows the report of a batch where nothing was made (the job failed)", async () => {
    mockStudio({
      "GET /jobs/{id}": () => studioJob({ job_id: "b2", kind: "artwork_batch", status: "failed", stage: "contact sheet",
        error: "nothing was made: item 1 (X): refused" }),
      "GET /studio/batches/{id}": () => ({
        job_id: "b2", kind: "artwork_batch", finished: true, finished_at: "2026-01-02T10:00:00Z", contact_sheet_url: "https://s3/sheet2.png",
        counts: { ok: 0, partial: 0, refused: 1, failed: 0 },
        items: [{ index: 0, artwork_id: "a9", title: "X", status: "refused", made: [], refused: [{ candidate_id: "c01", seed: 1, reason: "NSFW flag" }], error: null }],
      }),
    });
    renderApp(<Studio />, { route: "/studio/batch?job=b2", path: "/studio/*" });
    expect(await screen.findByText(/Failed at “contact sheet”: nothing was made/)).toBeInTheDocument();
    expect(await screen.findByTestId("batch-item")).toHaveTextContent("X refused c01 refused: NSFW flag");
    expect(screen.getByText("0 of 1 made, 1 refused.")).toBeInTheDocument();
  });

  it("sends a CSV as it is, for the API to parse again, and shows why it refused it", async () => {
    const { calls } = mockStudio({
      "POST /studio/artwork/batch": () => Response.json({ statusCode: 400, message: "line 2: prompt is required" }, { status: 400 }),
    });
    const user = userEvent.setup();
    renderApp(<Studio />, { route: "/studio/batch", path: "/studio/*" });
    await user.click(screen.getByRole("button", { name: "Use an example" }));
    await user.click(screen.getByRole("button", { name: "Start 2 artworks" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The API refused the batch: line 2: prompt is required");
    expect((calls[0]!.body as { csv: string }).csv).toMatch(/^title,artist_name,genre,mood,prompt\nNight Drive/);
  });
});
