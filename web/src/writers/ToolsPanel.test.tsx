import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { BIBLE, citation, ROOM } from "./testing";
import Writers from "./WritersRoutes";

describe("ToolsPanel", () => {
  beforeEach(signInForTest);

  it("checks a draft's continuity and opens the contradicting scene", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "POST /writers/rooms/{r}/tools/continuity": () => ({ engine: "offline-archivist", text: "", usage: null, findings: [
        { sentence: "Jonas has never left town.", verdict: "contradiction", reason: "Episode 12: Jonas leaves town.",
          evidence: [citation({ scene: 7, quote: "Ich gehe." })] },
        { sentence: "Lena runs the café.", verdict: "consistent", reason: "Episode 1.", evidence: [] }] }),
      "GET /writers/rooms/{r}/scenes/{d}/{s}": () => ({ document_id: "d12", document: "ep012.fountain", scene: 7, episode: 12, version: 1,
        heading: "EXT. BAHNHOF", characters: ["Jonas"], directions: [], text: "JONAS\nIch gehe." }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/tools", path: "/writers/*" });
    const form = await screen.findByRole("form", { name: "Continuity check" });
    await user.type(within(form).getByLabelText("Draft"), "Jonas has never left town. Lena runs the café.");
    await user.click(within(form).getByRole("button", { name: "Check continuity" }));
    expect(await within(form).findByText("1 contradiction with the archive")).toBeInTheDocument();
    const [issue, fine] = screen.getAllByTestId("finding");
    expect(issue).toHaveTextContent("contradiction Jonas has never left town.Episode 12: Jonas leaves town.");
    expect(fine).toHaveTextContent("consistent Lena runs the café.");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ draft: "Jonas has never left town. Lena runs the café." });
    await user.click(within(issue!).getByRole("button", { name: "Ep. 12 · Sc. 7" }));
    expect(await screen.findByTestId("scene-text")).toHaveTextContent("Ich gehe.");
  });

  it("summarises a character's arc", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "POST /writers/rooms/{r}/tools/arc": () => ({ engine: "offline-archivist", character: "Lena", known: true, usage: null,
        text: "Lena: from café owner to heir.", beats: [
          { episode: 1, scene: 1, summary: "opens the café", citation: citation({ document_id: "d1", episode: 1, scene: 1 }) },
          { episode: 12, scene: 3, summary: "finds the letter", citation: citation() }] }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/tools", path: "/writers/*" });
    const form = await screen.findByRole("form", { name: "Character arc" });
    await user.type(within(form).getByLabelText("Character"), "Lena");
    await user.click(within(form).getByRole("button", { name: "Summarise the arc" }));
    expect(await within(form).findByRole("list", { name: "Arc" })).toHaveTextContent("Episode 1, scene 1: opens the café Ep. 1 · Sc. 1Episode 12, scene 3: finds the letter Ep. 12 · Sc. 3");
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ character: "Lena" }));
  });
});
