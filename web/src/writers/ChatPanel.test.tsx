import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { ROOM } from "./testing";
import Writers from "./WritersRoutes";

const CITATION = { document: "ep012.fountain", document_id: "d12", episode: 12, scene: 3, quote: "Ich habe den Brief gelesen." };
const FULL = "Lena read the letter in episode 12, scene 3.";

describe("ChatPanel", () => {
  beforeEach(signInForTest);

  it("asks the archivist, shows the reply growing, and opens a citation's scene beside the chat", async () => {
    let polls = 0;
    let done = false;
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "POST /writers/rooms/{r}/turns": () => Response.json({ turn_id: "t1", session_id: "s1" }, { status: 202 }),
      "GET /writers/rooms/{r}/turns/{t}": () => {
        polls += 1;
        done = polls >= 3;
        const text = done ? FULL : FULL.slice(0, polls * 10);
        return { turn_id: "t1", status: done ? "done" : "streaming", text, citations: done ? [CITATION] : [],
          engine: "offline archivist (extractive)", usage: null, done };
      },
      "GET /writers/rooms/{r}/sessions/{s}": () => ({ session_id: "s1", turns: done
        ? [{ turn_id: "t1", message: "Who read the letter?", status: "done", text: FULL, citations: [CITATION], engine: "offline archivist (extractive)", done: true }]
        : [] }),
      "GET /writers/rooms/{r}/scenes/{d}/{s}": () => ({ document_id: "d12", scene: 3, episode: 12, heading: "INT. CAFÉ - TAG",
        text: "LENA\nIch habe den Brief gelesen.", characters: ["Lena"] }),
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
    expect(screen.getByText("engine: offline archivist (extractive)")).toBeInTheDocument();
    // the session is remembered and now in the URL
    expect(screen.getByRole("button", { name: "Who read the letter?" })).toHaveAttribute("aria-current", "true");

    await user.click(screen.getByRole("button", { name: "Ep. 12 · Sc. 3" }));
    const scene = await screen.findByRole("complementary", { name: "Scene" });
    expect(await within(scene).findByTestId("scene-text")).toHaveTextContent("Ich habe den Brief gelesen.");
    expect(within(scene).getByText("INT. CAFÉ - TAG")).toBeInTheDocument();
    expect(calls.some((c) => c.path === "/writers/rooms/r1/scenes/d12/3")).toBe(true);
    await user.click(within(scene).getByRole("button", { name: "Close the scene" }));
    expect(screen.queryByRole("complementary", { name: "Scene" })).not.toBeInTheDocument();
  });

  it("sends creative mode and the session on a follow-up question", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/sessions/{s}": () => ({ session_id: "s7", turns: [
        { turn_id: "t0", message: "Earlier question", status: "done", text: "Earlier answer", citations: [], done: true }] }),
      "POST /writers/rooms/{r}/turns": () => Response.json({ turn_id: "t1", session_id: "s7" }, { status: 202 }),
      "GET /writers/rooms/{r}/turns/{t}": () => ({ turn_id: "t1", status: "done", done: true, citations: [],
        text: "A creative partner needs a provider; this is the archive context it would send.", engine: "offline" }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/chat?session=s7", path: "/writers/*" });
    expect(await screen.findByText("Earlier answer")).toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: "Creative partner" }));
    await user.type(screen.getByLabelText("Message"), "Draft a twist");
    await user.click(screen.getByRole("button", { name: "Ask" }));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ mode: "creative", message: "Draft a twist", session_id: "s7" });
    expect(await screen.findByText(/needs a provider/)).toBeInTheDocument();
  });

  it("shows the API's refusal and keeps the question", async () => {
    mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
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
