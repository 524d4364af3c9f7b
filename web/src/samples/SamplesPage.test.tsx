import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { sampleQuery } from "../api/samples";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import SamplesPage from "./SamplesPage";

const at = { route: "/samples", path: "/samples" };

const sample = (n: number, extra: Record<string, unknown> = {}) => ({
  sample_id: `t1-drums-00${n}`, kind: "sample", track_id: "t1", track_title: "Night Drive", stem: "drums",
  class: n === 1 ? "kick" : "snare", auto_class: n === 1 ? "kick" : "snare", confidence: 0.9, duration_s: 0.4,
  loudness_db: -3, start_s: n, end_s: n + 0.4, key: "A minor", bpm: 96, name: `Drums 00${n}`, tags: [],
  starred: false, file: `samples/drums/x/00${n}.wav`, url: `http://s3.test/00${n}.wav`, ...extra,
});

describe("SamplesPage", () => {
  beforeEach(signInForTest);

  it("sends only the filters given", () => {
    expect(sampleQuery({ q: "kick", class: "", bpm_min: Number.NaN, bpm_max: 100 }, "c1"))
      .toEqual({ limit: 50, q: "kick", bpm_max: 100, cursor: "c1" });
  });

  it("lists samples, filters by class, sorts by similarity, stars and exports a pack", async () => {
    const calls = mockApi({
      "GET /samples": (_r, url) => ({
        items: url.searchParams.get("similar_to") ? [sample(2, { similarity: 0.97 })] : [sample(1), sample(2)],
        next_cursor: null,
      }),
      "PATCH /samples/{id}": () => sample(1, { starred: true }),
      "POST /samples/pack": () => ({ pack_id: "p1", samples: 2, url: "http://s3.test/pack.zip" }),
    });
    const user = userEvent.setup();
    renderApp(<SamplesPage />, at);
    const rows = await screen.findAllByTestId("sample-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Night Drive");

    await user.selectOptions(screen.getByRole("combobox", { name: "Class" }), "kick");
    await waitFor(() => expect(calls.some((c) => c.path === "/samples" && c.query.class === "kick")).toBe(true));

    await user.click(within((await screen.findAllByTestId("sample-row"))[0]!).getByRole("button", { name: "Star Drums 001" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ starred: true }));

    await user.click(within(screen.getAllByTestId("sample-row")[0]!).getByRole("button", { name: "Similar" }));
    expect(await screen.findByText("97%")).toBeInTheDocument();
    expect(calls.some((c) => c.query.similar_to === "t1-drums-001")).toBe(true);

    await user.click(screen.getByRole("button", { name: "Clear" }));
    const again = await screen.findAllByTestId("sample-row");
    await user.click(within(again[0]!).getByRole("checkbox"));
    await user.click(within(again[1]!).getByRole("checkbox"));
    await user.click(screen.getByRole("button", { name: "Export sample pack (2)" }));
    expect(await screen.findByTestId("pack-link")).toHaveAttribute("href", "http://s3.test/pack.zip");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ sample_ids: ["t1-drums-001", "t1-drums-002"] });
  });

  it("lists stems and deletes one through its track's stem route", async () => {
    const stem = sample(9, { sample_id: "t1-drums", kind: "stem", class: "drums", name: "Drums", file: "stems/drums.wav" });
    const calls = mockApi({
      "GET /samples": (_r, url) => ({ items: url.searchParams.get("kind") === "stem" ? [stem] : [sample(1)], next_cursor: null }),
      "DELETE /tracks/{id}/stems/{stem}": () => ({ track_id: "t1", stem: "drums", deleted: true, samples_deleted: 3, export_job_id: null }),
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const user = userEvent.setup();
    renderApp(<SamplesPage />, at);
    await screen.findAllByTestId("sample-row");
    await user.selectOptions(screen.getByRole("combobox", { name: "Show" }), "stem");
    await waitFor(() => expect(screen.getByTestId("sample-row")).toHaveTextContent("Stem"));
    expect(screen.queryByRole("button", { name: "Similar" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Delete Drums" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path === "/tracks/t1/stems/drums")).toBe(true));
  });

  it("drags a sample out as a DownloadURL", async () => {
    mockApi({ "GET /samples": () => ({ items: [sample(1)], next_cursor: null }) });
    renderApp(<SamplesPage />, at);
    const row = await screen.findByTestId("sample-row");
    const data = new Map<string, string>();
    const event = new Event("dragstart", { bubbles: true }) as Event & { dataTransfer: unknown };
    event.dataTransfer = { setData: (k: string, v: string) => data.set(k, v) };
    row.dispatchEvent(event);
    expect(data.get("DownloadURL")).toBe("audio/wav:Drums 001.wav:http://s3.test/001.wav");
  });
});
