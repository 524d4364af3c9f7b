import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { track } from "../test/fixtures";
import { renderApp, signInForTest } from "../test/utils";
import Studio from "./StudioRoutes";
import { artwork, dna, EMPTY_DNA, mockStudio, studioJob } from "./testing";

describe("VideoPage", () => {
  beforeEach(signInForTest);

  it("makes a loop from the chosen candidate with a track's audio, then plays it looping", async () => {
    let polls = 0;
    const { calls } = mockStudio({
      "GET /tracks": () => ({ items: [track({ track_id: "t1", title: "Night Drive" })], next_cursor: null }),
      "GET /studio/artwork": () => ({ items: [{ artwork_id: "a1", title: "Night Drive", prompt: "p", created_at: "2026-01-02T10:00:00Z",
        job_id: "j1", status: "ok", parent: null, candidate_ids: ["c01", "c02"], thumbnail_url: null }], next_cursor: null }),
      "GET /studio/artwork/{id}": () => artwork(),
      "GET /studio/dna": () => dna(),
      "POST /studio/video": () => Response.json(studioJob({ job_id: "v1", kind: "video", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /jobs/{id}": () => (++polls < 2
        ? studioJob({ job_id: "v1", kind: "video", stage: "frames", percent: 30 })
        : studioJob({ job_id: "v1", kind: "video", status: "succeeded", stage: "done", percent: 100, result: {
          video_id: "vid1", video_url: "https://s3/loop.mp4", seconds: 3, width: 1920, height: 1080, audio: true,
          provider: "offline", model: "offline-loop-v1", offline: true, dna_version: 4 } })),
    });
    const user = userEvent.setup();
    renderApp(<Studio />, { route: "/studio/video?artwork=a1", path: "/studio/*" });
    expect(await screen.findByRole("option", { name: "Night Drive (picked)" })).toBeInTheDocument();
    const choice = await screen.findByRole("group", { name: "Candidate" });
    // the artwork's final candidate is chosen by default
    await waitFor(() => expect(within(choice).getByRole("radio", { name: "Candidate 1 (final)" })).toBeChecked());
    await user.click(within(choice).getByRole("radio", { name: "Candidate 2" }));
    await screen.findByRole("option", { name: /Night Drive — The Testers/ });
    await user.selectOptions(screen.getByLabelText(/Audio from a track/), "t1");
    await user.selectOptions(screen.getByLabelText("Length"), "3");
    await user.click(screen.getByRole("button", { name: "Make the loop" }));
    expect(await screen.findByRole("progressbar", { name: "Rendering the loop: frames" })).toHaveAttribute("aria-valuenow", "30");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ artwork_id: "a1", candidate_id: "c02", track_id: "t1", seconds: 3 });
    const video = await screen.findByTestId("loop-video", {}, { timeout: 5000 });
    expect(video).toHaveAttribute("src", "https://s3/loop.mp4");
    for (const flag of ["loop", "autoplay", "controls", "playsinline"]) expect(video).toHaveAttribute(flag);
    expect((video as HTMLVideoElement).muted).toBe(true);
    expect(screen.getByTestId("video-download")).toHaveAttribute("href", "https://s3/loop.mp4");
    expect(screen.getByTestId("video-download")).toHaveAttribute("download", "loop-vid1.mp4");
    expect(screen.getByText("3 s · 1920×1080 · with audio · offline · offline-loop-v1")).toBeInTheDocument();
    expect(screen.getByText("offline engine")).toBeInTheDocument();
  });

  it("says when the render failed, and why", async () => {
    mockStudio({
      "GET /tracks": () => ({ items: [], next_cursor: null }),
      "GET /studio/artwork": () => ({ items: [], next_cursor: null }),
      "GET /studio/artwork/{id}": () => artwork(),
      "GET /studio/dna": () => EMPTY_DNA,
      "GET /jobs/{id}": () => studioJob({ job_id: "v2", kind: "video", status: "failed", stage: "encode", error: "ffmpeg exited 1" }),
    });
    renderApp(<Studio />, { route: "/studio/video?artwork=a1&candidate=c01&job=v2", path: "/studio/*" });
    expect(await screen.findByText("Failed at “encode”: ffmpeg exited 1")).toBeInTheDocument();
    expect(screen.queryByTestId("loop-video")).not.toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "Candidate 1" })).toBeChecked();
  });

  it("sends you to make artwork first when there is none", async () => {
    mockStudio({ "GET /tracks": () => ({ items: [], next_cursor: null }), "GET /studio/artwork": () => ({ items: [], next_cursor: null }), "GET /studio/dna": () => EMPTY_DNA });
    renderApp(<Studio />, { route: "/studio/video", path: "/studio/*" });
    expect(await screen.findByRole("link", { name: "Make artwork first" })).toHaveAttribute("href", "/studio/artwork");
  });
});
