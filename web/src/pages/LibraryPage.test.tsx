import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { job, track } from "../test/fixtures";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { LibraryPage } from "./LibraryPage";

const tracks = [
  track({ track_id: "t1", title: "Night Drive", bpm: 120, key: "A minor", created_at: "2026-01-02T10:00:00Z" }),
  track({ track_id: "t2", title: "Aurora", artist_name: "Nova", tags: ["ambient"], bpm: 84, key: "C major",
    processed_at: "2026-01-03T10:00:00Z", created_at: "2026-01-03T10:00:00Z" }),
];

describe("LibraryPage", () => {
  beforeEach(signInForTest);

  it("lists tracks newest first, with their tempo, key and processing state", async () => {
    mockApi({ "GET /tracks": () => ({ items: tracks, next_cursor: null }), "GET /jobs": () => ({ items: [], next_cursor: null }) });
    renderApp(<LibraryPage />);
    const rows = await screen.findAllByTestId("track-row");
    expect(rows.map((r) => within(r).getByRole("link").textContent)).toEqual(["Aurora", "Night Drive"]);
    expect(within(rows[0]!).getByText("84 bpm")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("processed")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("not processed")).toBeInTheDocument();
    expect(within(rows[0]!).getByRole("link")).toHaveAttribute("href", "/tracks/t2");
  });

  it("sends search and filters to the API, and sorts what it shows", async () => {
    const calls = mockApi({ "GET /tracks": () => ({ items: tracks, next_cursor: null }), "GET /jobs": () => ({ items: [], next_cursor: null }) });
    const user = userEvent.setup();
    renderApp(<LibraryPage />);
    await screen.findAllByTestId("track-row");
    await user.type(screen.getByRole("searchbox"), "nova");
    await user.selectOptions(screen.getByRole("combobox", { name: "Key" }), "C major");
    await user.type(screen.getByLabelText("BPM from"), "80");
    await waitFor(() => expect(calls.at(-1)).toMatchObject({
      path: "/tracks", query: { q: "nova", key: "C major", bpm_min: "80", limit: "50" },
    }));
    expect(calls.filter((c) => c.path === "/tracks").length).toBeLessThan(6);  // debounced, not one per key
    const titles = () => screen.getAllByTestId("track-row").map((r) => within(r).getByRole("link").textContent);
    await user.selectOptions(screen.getByRole("combobox", { name: "Sort" }), "oldest");
    expect(titles()).toEqual(["Night Drive", "Aurora"]);
    await user.selectOptions(screen.getByRole("combobox", { name: "Sort" }), "bpm");
    expect(titles()).toEqual(["Aurora", "Night Drive"]);
  });

  it("says when the library is empty, and when filters match nothing", async () => {
    mockApi({ "GET /tracks": () => ({ items: [], next_cursor: null }), "GET /jobs": () => ({ items: [], next_cursor: null }) });
    renderApp(<LibraryPage />);
    expect(await screen.findByText("Your library is empty")).toBeInTheDocument();
  });

  it("explains a failed load and can try again", async () => {
    let fail = true;
    mockApi({
      "GET /tracks": () => (fail ? new Response(JSON.stringify({ message: "database unavailable" }), { status: 503 }) : { items: tracks, next_cursor: null }),
      "GET /jobs": () => ({ items: [], next_cursor: null }),
    });
    renderApp(<LibraryPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("database unavailable");
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("track-row")).toHaveLength(2);
  });

  it("shows a running job's stage and percent on its track", async () => {
    mockApi({
      "GET /tracks": () => ({ items: tracks, next_cursor: null }),
      "GET /jobs": () => ({ items: [job({ subject: { track_id: "t1" }, stage: "midi other", percent: 62 })], next_cursor: null }),
    });
    renderApp(<LibraryPage />);
    const bar = await screen.findByRole("progressbar", { name: /Processing Night Drive/ });
    expect(bar).toHaveAttribute("aria-valuenow", "62");
    expect(screen.getByText("midi other · 62%")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Process Night Drive" })).toBeDisabled();
  });

  it("renames and tags a track through its dialog", async () => {
    const calls = mockApi({
      "GET /tracks": () => ({ items: tracks, next_cursor: null }),
      "GET /jobs": () => ({ items: [], next_cursor: null }),
      "PATCH /tracks/{id}": () => track({ title: "Night Drive II", tags: ["demo", "synth"] }),
    });
    const user = userEvent.setup();
    renderApp(<LibraryPage />);
    await user.click(await screen.findByRole("button", { name: "Edit Night Drive" }));
    const dialog = screen.getByRole("dialog");
    await user.clear(within(dialog).getByLabelText("Title"));
    await user.type(within(dialog).getByLabelText("Title"), "Night Drive II");
    await user.clear(within(dialog).getByLabelText(/Tags/));
    await user.type(within(dialog).getByLabelText(/Tags/), "demo, synth, demo,  ");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.find((c) => c.method === "PATCH")).toMatchObject({
      path: "/tracks/t1", body: { title: "Night Drive II", artist_name: "The Testers", tags: ["demo", "synth"] },
    });
  });

  it("deletes only after confirmation", async () => {
    const calls = mockApi({
      "GET /tracks": () => ({ items: tracks, next_cursor: null }),
      "GET /jobs": () => ({ items: [], next_cursor: null }),
      "DELETE /tracks/{id}": () => ({ track_id: "t2", deleted: true }),
    });
    const user = userEvent.setup();
    renderApp(<LibraryPage />);
    await user.click(await screen.findByRole("button", { name: "Delete Aurora" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(screen.getByRole("button", { name: "Delete Aurora" }));
    expect(screen.getByRole("dialog")).toHaveTextContent("cannot be undone");
    await user.click(screen.getByRole("button", { name: "Delete for good" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path === "/tracks/t2")).toBe(true));
  });

  it("exports a selection and offers the zip when it is ready", async () => {
    let polls = 0;
    const calls = mockApi({
      "GET /tracks": () => ({ items: tracks, next_cursor: null }),
      "GET /jobs": () => ({ items: [], next_cursor: null }),
      "POST /exports": () => Response.json(job({ job_id: "e1", kind: "export", status: "queued" }), { status: 202 }),
      "GET /exports/{id}": () => (++polls < 2
        ? { job: job({ job_id: "e1", kind: "export", percent: 40 }), url: null }
        : { job: job({ job_id: "e1", kind: "export", status: "succeeded", percent: 100 }), url: "https://s3/export.zip" }),
    });
    const user = userEvent.setup();
    renderApp(<LibraryPage />);
    await user.click(await screen.findByRole("checkbox", { name: "Select all tracks" }));
    const bar = screen.getByRole("region", { name: "Selection" });
    expect(bar).toHaveTextContent("2 selected");
    await user.click(within(bar).getByRole("button", { name: "Export 2 tracks" }));
    const link = await screen.findByTestId("selection-download", {}, { timeout: 5000 });
    expect(link).toHaveAttribute("href", "https://s3/export.zip");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ track_ids: ["t2", "t1"] });
  });
});
