import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { BIBLE, ROOM } from "./testing";
import Writers from "./WritersRoutes";

describe("Rooms, members and the bible", () => {
  beforeEach(signInForTest);

  it("lists the caller's rooms and creates one, landing in its chat", async () => {
    const calls = mockApi({
      "GET /writers/rooms": () => ({ items: [] }),
      "POST /writers/rooms": () => Response.json({ ...ROOM, room_id: "r9", name: "Neue Serie" }, { status: 201 }),
      "GET /writers/rooms/{r}": () => ({ ...ROOM, room_id: "r9", name: "Neue Serie" }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers", path: "/writers/*" });
    expect(await screen.findByText("No rooms yet")).toBeInTheDocument();
    const create = screen.getByRole("button", { name: "Create room" });
    expect(create).toBeDisabled();
    await user.type(screen.getByLabelText("New room"), "  Neue Serie ");
    await user.selectOptions(screen.getByLabelText("The archive's main language"), "en");
    await user.click(create);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Neue Serie", language: "en" });
    expect(await screen.findByRole("heading", { name: "Neue Serie" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("link", { name: "Chat" })).toHaveAttribute("aria-current", "page"));
    expect(screen.getByLabelText("Message")).toBeInTheDocument();
  });

  it("says so when the room is not the caller's (the API answers 404)", async () => {
    mockApi({ "GET /writers/rooms/{r}": () => Response.json({ message: "no room r2" }, { status: 404 }) });
    renderApp(<Writers />, { route: "/writers/r2/notes", path: "/writers/*" });
    expect(await screen.findByRole("alert")).toHaveTextContent("no room r2");
    expect(screen.queryByRole("navigation", { name: "Room" })).not.toBeInTheDocument();
  });

  it("adds a member, changes a role and removes a member", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "PUT /writers/rooms/{r}/members/{u}": () => ({ user_id: "cara", role: "editor", added_at: "2026-01-04T10:00:00Z" }),
      "DELETE /writers/rooms/{r}/members/{u}": () => ({ user_id: "ben", removed: true }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/members", path: "/writers/*" });
    expect(await screen.findAllByTestId("member")).toHaveLength(2);
    const form = screen.getByRole("form", { name: "Add a member" });
    await user.type(within(form).getByLabelText("User id"), "cara");
    await user.selectOptions(within(form).getByLabelText("Role"), "editor");
    await user.click(within(form).getByRole("button", { name: "Add member" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toMatchObject({ path: "/writers/rooms/r1/members/cara", body: { role: "editor" } }));
    await user.selectOptions(screen.getByLabelText("Role of ben"), "admin");
    await waitFor(() => expect(calls.filter((c) => c.method === "PUT").at(-1)).toMatchObject({ path: "/writers/rooms/r1/members/ben", body: { role: "admin" } }));
    await user.click(screen.getByRole("button", { name: "Remove ben" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path === "/writers/rooms/r1/members/ben")).toBe(true));
  });

  it("shows the bible per episode and narrows it to one character", async () => {
    mockApi({ "GET /writers/rooms/{r}": () => ROOM, "GET /writers/rooms/{r}/bible": () => BIBLE });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/bible", path: "/writers/*" });
    expect(await screen.findAllByTestId("character")).toHaveLength(3);
    expect(screen.getAllByTestId("episode").map((e) => e.querySelector("h3")?.textContent))
      .toEqual(["Episode 1: Neuanfang", "Episode 2: Miete", "Episode 12: Der Brief"]);
    expect(screen.getAllByTestId("episode")[2]).toHaveTextContent("A letter.Lena (scene 3): finds the letterJonas (scene 7): leaves town");
    // one pair per relationship, whichever side recorded it
    expect(screen.getAllByTestId("relationship").map((r) => r.textContent)).toEqual(["Jonas ↔ Lena siblings episodes 12", "Jonas ↔ Petra rivals episodes 2"]);
    await user.click(screen.getByRole("button", { name: "Jonas" }));
    expect(screen.getAllByTestId("character")).toHaveLength(1);
    expect(screen.getAllByTestId("relationship")).toHaveLength(2);
    expect(screen.getAllByTestId("episode").map((e) => e.textContent)).toEqual([
      "Episode 2: MieteThe rent goes up.Jonas (scene 4): argues about the rent", "Episode 12: Der BriefA letter.Jonas (scene 7): leaves town"]);
    await user.click(screen.getByRole("button", { name: "Show everyone" }));
    expect(screen.getAllByTestId("character")).toHaveLength(3);
  });
});
