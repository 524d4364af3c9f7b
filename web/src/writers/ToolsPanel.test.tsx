import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { BIBLE, ROOM } from "./testing";
import Writers from "./WritersRoutes";

describe("ToolsPanel", () => {
  beforeEach(signInForTest);

  it("checks a draft's continuity and opens the contradicting scene", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "POST /writers/rooms/{r}/tools/continuity": () => ({ engine: "offline archivist", issues: [{
        claim: "Jonas has never left town.", conflict: "Episode 12: Jonas leaves town.",
        citations: [{ document: "ep012.fountain", document_id: "d12", episode: 12, scene: 7 }] }] }),
      "GET /writers/rooms/{r}/scenes/{d}/{s}": () => ({ document_id: "d12", scene: 7, episode: 12, text: "JONAS\nIch gehe." }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/tools", path: "/writers/*" });
    const form = await screen.findByRole("form", { name: "Continuity check" });
    await user.type(within(form).getByLabelText("Draft"), "Jonas has never left town.");
    await user.click(within(form).getByRole("button", { name: "Check continuity" }));
    const issue = await screen.findByTestId("issue");
    expect(issue).toHaveTextContent("Jonas has never left town.Episode 12: Jonas leaves town.");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ draft: "Jonas has never left town." });
    await user.click(within(issue).getByRole("button", { name: "Ep. 12 · Sc. 7" }));
    expect(await screen.findByTestId("scene-text")).toHaveTextContent("Ich gehe.");
  });

  it("summarises a character's arc", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "POST /writers/rooms/{r}/tools/arc": () => ({ engine: "offline archivist", text: "Lena: from café owner to heir.",
        events: [{ episode: 1, summary: "opens the café" }, { episode: 12, summary: "finds the letter" }] }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/tools", path: "/writers/*" });
    const form = await screen.findByRole("form", { name: "Character arc" });
    await user.type(within(form).getByLabelText("Character"), "Lena");
    await user.click(within(form).getByRole("button", { name: "Summarise the arc" }));
    expect(await within(form).findByRole("list", { name: "Arc" })).toHaveTextContent("Episode 1: opens the caféEpisode 12: finds the letter");
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ character: "Lena" }));
  });
});
