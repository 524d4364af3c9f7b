import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { citation, ROOM, turn } from "./testing";
import Writers from "./WritersRoutes";

const FULL = "Lena read the letter in episode 12, scene 3.";

describe("ChatPanel", () => {
  beforeEach(signInForTest);

  it("asks the archivist, shows the reply growing, and opens a citation's scene beside the chat", async () => {
    let polls = 0;
    let done = false;
    const answered = () => turn({ text: FULL, citations: [citation()],
      usage: { input_tokens: 20, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 980 }, latency_ms: 2300 });
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/sessions": () => ({ items: done
        ? [{ session_id: "s1", title: "Who read the letter?", turns: 1, created_at: "2026-01-03T10:00:00Z", updated_at: "2026-01-03T10:00:00Z" }] : [] }),
      "POST /writers/rooms/{r}/turns": () => Response.json({ turn_id: "t1", session_id: "s1", status: "queued" }, { status: 202 }),
      "GET /writers/rooms/{r}/turns/{t}": () => {
        polls += 1;
        done = polls >= 3;
        return done ? answered() : turn({ status: "streaming", done: false, text: FULL.slice(0, polls * 10) });
      },
      "GET /writers/rooms/{r}/sessions/{s}": () => ({ session_id: "s1", turns: done ? [answered()] : [] }),
      "GET /writers/rooms/{r}/scenes/{d}/{s}": () => ({ document_id: "d12", document: "ep012.fountain", scene: 3, episode: 12, version: 2,
        heading: "INT. CAFÉ - TAG", text: "LENA\nIch habe den Brief gelesen.", characters: ["Lena"], directions: [] }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/chat", path: "/writers/*" });
    await user.type(await screen.findByLabelText("Message"), "Who read the letter?");
    await user.click(screen.getByRole("button", { name: "Ask" }));

    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ mode: "archivist", message: "Who read the letter?" });
    const partial = await screen.findByTestId("answer");  // part of the reply, while it streams
    expect(partial.textContent).toBe(FULL.slice(0, 10));
    expect(screen.getByRole("button", { name: "Answering…" })).toBeDisabled();
    expect(await screen.findByText(FULL, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.getByText("engine: offline-archivist · 1000 input tokens, 980 from cache · 2.3 s")).toBeInTheDocument();
    // the new session is listed and open
    expect(await screen.findByRole("button", { name: "Who read the letter?" })).toHaveAttribute("aria-current", "true");

    await user.click(screen.getByRole("button", { name: "Ep. 12 · Sc. 3" }));
    const scene = await screen.findByRole("complementary", { name: "Scene" });
    expect(await within(scene).findByTestId("scene-text")).toHaveTextContent("Ich habe den Brief gelesen.");
    expect(within(scene).getByText("INT. CAFÉ - TAG")).toBeInTheDocument();
    expect(calls.some((c) => c.path === "/writers/rooms/r1/scenes/d12/3")).toBe(true);
    await user.click(within(scene).getByRole("button", { name: "Close the scene" }));
    expect(screen.queryByRole("complementary", { name: "Scene" })).not.toBeInTheDocument();
  });

  it("continues a session in creative mode, and shows the context an offline creative partner would send", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/sessions": () => ({ items: [] }),
      "GET /writers/rooms/{r}/sessions/{s}": () => ({ session_id: "s7", turns: [turn({ turn_id: "t0", session_id: "s7", message: "Earlier question", text: "Earlier answer" })] }),
      "POST /writers/rooms/{r}/turns": () => Response.json({ turn_id: "t1", session_id: "s7", status: "done" }, { status: 202 }),
      "GET /writers/rooms/{r}/turns/{t}": () => turn({ session_id: "s7", mode: "creative", message: "Draft a twist", needs_provider: true,
        text: "The creative partner needs a model provider.", context: "## Bible\nLena: runs the café" }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/chat?session=s7", path: "/writers/*" });
    expect(await screen.findByText("Earlier answer")).toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: "Creative partner" }));
    await user.type(screen.getByLabelText("Message"), "Draft a twist");
    await user.click(screen.getByRole("button", { name: "Ask" }));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ mode: "creative", message: "Draft a twist", session_id: "s7" });
    expect(await screen.findByText(/needs a model provider/)).toBeInTheDocument();
    expect(screen.getByText("The archive context it would send")).toBeInTheDocument();
    expect(screen.getByText(/Lena: runs the café/)).toBeInTheDocument();
  });

  it("says when the archive does not know", async () => {
    mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/sessions": () => ({ items: [] }),
      "GET /writers/rooms/{r}/sessions/{s}": () => ({ session_id: "s1", turns: [turn({ text: "Das steht nicht im Archiv.", not_in_archive: true })] }),
    });
    renderApp(<Writers />, { route: "/writers/r1/chat?session=s1", path: "/writers/*" });
    expect(await screen.findByText("not in the archive")).toBeInTheDocument();
    expect(screen.queryByTestId("citation")).not.toBeInTheDocument();
  });

  it("shows the API's refusal and keeps the question", async () => {
    mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/sessions": () => ({ items: [] }),
      "POST /writers/rooms/{r}/turns": () => Response.json({ message: "no room r1" }, { status: 404 }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/chat", path: "/writers/*" });
    await user.type(await screen.findByLabelText("Message"), "Hello");
    await user.click(screen.getByRole("button", { name: "Ask" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("no room r1");
    await waitFor(() => expect(screen.getByLabelText("Message")).toHaveValue("Hello"));
  });
});
