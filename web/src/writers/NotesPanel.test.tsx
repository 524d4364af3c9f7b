import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { BIBLE, note, ROOM } from "./testing";
import Writers from "./WritersRoutes";

describe("NotesPanel", () => {
  beforeEach(signInForTest);

  it("lists, searches and filters the room's notes by tag, episode and character", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "GET /writers/rooms/{r}/notes": () => ({ items: [note(), note({ note_id: "n2", title: "Rent", tags: ["money"], episodes: [2], characters: ["Petra"] })],
        total: 2, tags: { cliffhanger: 1, money: 1 } }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/notes", path: "/writers/*" });
    expect(await screen.findAllByTestId("note")).toHaveLength(2);
    expect(screen.getByTestId("notes-count")).toHaveTextContent("2 notes");

    await user.type(screen.getByLabelText("Search notes"), "letter");
    await waitFor(() => expect(calls.at(-1)?.query).toEqual({ q: "letter" }));

    const lena = screen.getAllByTestId("note")[0]!;
    await user.click(within(lena).getByRole("button", { name: "Ep. 12" }));
    await waitFor(() => expect(calls.at(-1)?.query).toEqual({ q: "letter", episode: "12" }));
    await user.click(within(lena).getByRole("button", { name: "#cliffhanger" }));
    await waitFor(() => expect(calls.at(-1)?.query).toEqual({ q: "letter", episode: "12", tag: "cliffhanger" }));
    expect(screen.getAllByTestId("active-filter").map((f) => f.textContent)).toEqual(["tag: cliffhanger×", "episode: 12×"]);
    await user.click(screen.getByRole("button", { name: "Clear the episode filter" }));
    await waitFor(() => expect(calls.at(-1)?.query).toEqual({ q: "letter", tag: "cliffhanger" }));
    // a character links to the bible too
    expect(within(lena).getByRole("link", { name: "Lena in the bible" })).toHaveAttribute("href", "/writers/r1/bible?character=Lena");
  });

  it("adds a note linked to episodes and characters, and refuses a bad episode list before sending", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "GET /writers/rooms/{r}/notes": () => ({ items: [], total: 0, tags: {} }),
      "POST /writers/rooms/{r}/notes": () => Response.json(note(), { status: 201 }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/notes", path: "/writers/*" });
    expect(await screen.findByText("No notes yet")).toBeInTheDocument();
    const form = screen.getByRole("form", { name: "New note" });
    await user.type(within(form).getByLabelText("Title"), "Lena's secret");
    await user.type(within(form).getByLabelText("Note"), "She has read the letter.");
    await user.type(within(form).getByLabelText("Tags"), "Cliffhanger, letter");
    await user.type(within(form).getByLabelText("Characters"), "Lena, Jonas");
    await user.type(within(form).getByLabelText("Episodes"), "twelve");
    await user.click(within(form).getByRole("button", { name: "Add note" }));
    expect(within(form).getByRole("alert")).toHaveTextContent("“twelve” is not an episode number");
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await user.clear(within(form).getByLabelText("Episodes"));
    await user.type(within(form).getByLabelText("Episodes"), "12-13");
    await user.click(within(form).getByRole("button", { name: "Add note" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      title: "Lena's secret", body: "She has read the letter.", tags: ["cliffhanger", "letter"], episodes: [12, 13], characters: ["Lena", "Jonas"],
    }));
    await waitFor(() => expect(within(form).getByLabelText("Title")).toHaveValue(""));
  });

  it("edits and deletes a note, and shows a refusal", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/bible": () => BIBLE,
      "GET /writers/rooms/{r}/notes": () => ({ items: [note({ author: "ben" })], total: 1, tags: { cliffhanger: 1 } }),
      "PATCH /writers/rooms/{r}/notes/{n}": () => note({ title: "Renamed" }),
      "DELETE /writers/rooms/{r}/notes/{n}": () => Response.json({ message: "only the note's author or an editor or admin of the room may delete it" }, { status: 403 }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/notes", path: "/writers/*" });
    await user.click(await screen.findByRole("button", { name: "Edit" }));
    const form = screen.getByRole("form", { name: "Edit the note" });
    expect(within(form).getByLabelText("Episodes")).toHaveValue("12");
    await user.clear(within(form).getByLabelText("Title"));
    await user.type(within(form).getByLabelText("Title"), "Renamed");
    await user.click(within(form).getByRole("button", { name: "Save the note" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ path: "/writers/rooms/r1/notes/n1",
      body: { title: "Renamed", episodes: [12], characters: ["Lena"], tags: ["cliffhanger"] } }));
    await user.click(screen.getByRole("button", { name: "Delete Lena's secret" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("only the note's author");
  });
});
