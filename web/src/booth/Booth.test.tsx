import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { signIn } from "../auth/session";
import { fakeToken, mockApi, renderApp } from "../test/utils";
import { KioskForm } from "./KioskPage";
import ParticipantPage from "./ParticipantPage";
import { Queue } from "./QueuePage";

const EVENT = "ev_0123456789abcdef";
const event = {
  event_id: EVENT, name: "Rock in Rio", retention_days: 14, created_at: "2026-09-01T10:00:00+00:00",
  consents: [{ key: "media", text: "Use my photo for my video.", required: true },
    { key: "collage", text: "Show my face in the collage.", required: false }],
};

describe("booth kiosk", () => {
  beforeEach(() => {
    signIn({ token: fakeToken({ "custom:booth_role": "operator", "custom:booth_event": EVENT }), kind: "dev", name: "kiosk", expiresAt: Date.now() + 3_600_000 });
  });

  it("shows the event's consent texts, and asks for a photo before sending anything", async () => {
    const calls = mockApi({
      [`GET /booth/events/${EVENT}`]: () => event,
      [`GET /booth/events/${EVENT}/templates`]: () => [{ template_id: "t_00000000000000000001", kind: "musician", title: "Singer", created_at: "x" }],
    });
    const user = userEvent.setup();
    renderApp(<KioskForm eventId={EVENT} />);
    expect(await screen.findByText(/Use my photo for my video\. \(required\)/)).toBeInTheDocument();
    expect(screen.getByText(/Show my face in the collage\. \(optional\)/)).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("camera");  // jsdom has none: said plainly
    await user.type(screen.getByLabelText("Your name"), "Zoë");
    await user.click(screen.getByRole("button", { name: "Make my video" }));
    expect(await screen.findByText("take a photo first")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toEqual([]);
  });
});

describe("booth participant page", () => {
  it("plays the video and offers both downloads, with no token", async () => {
    const calls = mockApi({
      "GET /booth/public/media/{code}": () => ({ status: "ready", media: { video: "https://s3/v.mp4", image: "https://s3/p.jpg" } }),
    });
    renderApp(<ParticipantPage />, { route: "/booth/p/Abc_defGHIJKLMNOPQRSTUVWXYZ012345", path: "/booth/p/:code" });
    expect(await screen.findByRole("link", { name: "Download the video" })).toHaveAttribute("href", "https://s3/v.mp4");
    expect(screen.getByRole("link", { name: "Download the image" })).toHaveAttribute("href", "https://s3/p.jpg");
    expect(screen.getByLabelText("Your video")).toHaveAttribute("src", "https://s3/v.mp4");
    expect(calls[0]?.path).toBe("/booth/public/media/Abc_defGHIJKLMNOPQRSTUVWXYZ012345");
  });

  it("says when the code is not known", async () => {
    mockApi({ "GET /booth/public/media/{code}": () => Response.json({ message: "no media for this code" }, { status: 404 }) });
    renderApp(<ParticipantPage />, { route: "/booth/p/nope", path: "/booth/p/:code" });
    expect(await screen.findByRole("alert")).toHaveTextContent("no media for this code");
  });
});

describe("booth queue", () => {
  it("lists jobs with their progress and marks a print printed", async () => {
    signIn({ token: fakeToken({ "custom:booth_role": "operator", "custom:booth_event": EVENT }), kind: "dev", name: "kiosk", expiresAt: Date.now() + 3_600_000 });
    const calls = mockApi({
      [`GET /booth/events/${EVENT}/jobs`]: () => [{ artist_id: EVENT, job_id: "swap-p-t", kind: "booth_swap", status: "running", stage: "swap", percent: 45, created_at: "a", updated_at: "b", finished_at: null, error: null, correlation_id: null, subject: { participant_id: "p_00000000000000000001" }, result: {} }],
      [`GET /booth/events/${EVENT}/prints`]: () => [{ participant_id: "p_00000000000000000001", print: { status: "ready", count: 0 }, image_url: "https://s3/p.jpg" }],
      [`POST /booth/events/${EVENT}/prints/{p}/printed`]: () => ({ status: "printed", count: 1 }),
    });
    const user = userEvent.setup();
    renderApp(<Queue eventId={EVENT} />);
    expect(await screen.findByTestId("job-row")).toHaveTextContent("p_00000000000000000001booth_swapswap 45%running");
    await user.click(await screen.findByRole("button", { name: "Mark printed" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/printed"))).toBe(true));
  });
});
