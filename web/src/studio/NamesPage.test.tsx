import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { track } from "../test/fixtures";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { flagText, NamesPage } from "./NamesPage";

const reply = {
  engine: "offline:offline-names-v1",
  offline: true,
  candidates: [
    { name: "Neon Tide", rationale: "water and light at night", flags: [], ok: true },
    { name: "Night Drive", rationale: "a classic", flags: ["used_by_artist"], ok: false },
    { name: "Nightdrive", rationale: "one word", flags: ["in_catalog", "too_close:Night Drive"], ok: false },
  ],
};

async function fillBrief(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText("Artist name"), "Nova");
  await user.type(screen.getByLabelText("Genre"), "synthwave");
  await user.type(screen.getByLabelText("Mood"), "nostalgic");
  await user.type(screen.getByLabelText("Key themes"), "night{Enter}city, escape,");
}

describe("NamesPage", () => {
  beforeEach(signInForTest);

  it("says what is missing and asks nothing of the API until the brief is complete", async () => {
    const calls = mockApi({ "GET /tracks": () => ({ items: [], next_cursor: null }) });
    const user = userEvent.setup();
    renderApp(<NamesPage />);
    await user.clear(screen.getByLabelText("How many names"));
    await user.type(screen.getByLabelText("How many names"), "40");
    await user.type(screen.getByLabelText(/^Seed/), "-1");
    await user.click(screen.getByRole("button", { name: "Suggest names" }));
    expect(screen.getByLabelText("Artist name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Artist name")).toHaveAccessibleDescription("Say whose release this is.");
    expect(screen.getByLabelText("Genre")).not.toHaveAttribute("aria-invalid");  // optional, as for the API
    expect(screen.getByLabelText("How many names")).toHaveAccessibleDescription("A whole number from 1 to 20.");
    expect(screen.getByLabelText(/^Seed/)).toHaveAccessibleDescription(/A whole number from 0 to 2147483647/);
    expect(screen.getByRole("alert")).toHaveTextContent("Fix the fields marked above.");
    expect(calls.some((c) => c.path.startsWith("/studio"))).toBe(false);
  });

  it("sends the brief with its themes as chips, and shows candidates with their flags and engine", async () => {
    const calls = mockApi({ "GET /tracks": () => ({ items: [], next_cursor: null }), "POST /studio/names": () => reply });
    const user = userEvent.setup();
    renderApp(<NamesPage />);
    await fillBrief(user);
    const chips = screen.getByRole("list", { name: "Chosen key themes" });
    expect(within(chips).getAllByRole("listitem").map((li) => li.firstChild?.textContent)).toEqual(["night", "city", "escape"]);
    await user.click(screen.getByRole("button", { name: "Remove city" }));
    await user.click(screen.getByRole("button", { name: "Suggest names" }));

    const cards = await screen.findAllByTestId("name-candidate");
    expect(calls.find((c) => c.path === "/studio/names")?.body).toEqual({
      artist_name: "Nova", genre: "synthwave", mood: "nostalgic", themes: ["night", "escape"], count: 8,
    });
    expect(cards).toHaveLength(3);
    expect(screen.getByText("offline engine")).toBeInTheDocument();
    expect(screen.getByText("offline:offline-names-v1")).toBeInTheDocument();
    expect(within(cards[1]!).getByRole("list", { name: "Flags for Night Drive" })).toHaveTextContent("You already used this name");
    expect(within(cards[2]!).getByText("Already in the catalog")).toBeInTheDocument();
    expect(within(cards[2]!).getByText("Too close to “Night Drive”")).toBeInTheDocument();
    expect(cards[1]).toHaveClass("name-flagged");
    expect(cards[0]).not.toHaveClass("name-flagged");
    // flagged names are not pickable until the user says so
    expect(screen.getByRole("button", { name: "Pick Neon Tide" })).toBeEnabled();
    expect(screen.getByRole("button", { name: "Pick Night Drive" })).toBeDisabled();
    await user.click(screen.getByRole("checkbox", { name: /Let me pick flagged names \(2\)/ }));
    expect(screen.getByRole("button", { name: "Pick Night Drive" })).toBeEnabled();
  });

  it("picks a name into the artistDNA and renames the chosen track", async () => {
    const calls = mockApi({
      "GET /tracks": () => ({ items: [track({ track_id: "t9", title: "Untitled 4" })], next_cursor: null }),
      "POST /studio/names": () => reply,
      "POST /studio/names/pick": () => ({ dna_version: 4, name: "Neon Tide", track_id: "t9", flags: [] }),
    });
    const user = userEvent.setup();
    renderApp(<NamesPage />);
    await fillBrief(user);
    await screen.findByRole("option", { name: /Untitled 4/ });
    await user.selectOptions(screen.getByLabelText(/Track from your library/), "t9");
    await user.type(screen.getByLabelText(/^Seed/), "7");
    await user.click(screen.getByRole("button", { name: "Suggest names" }));
    await user.click(await screen.findByRole("button", { name: "Pick Neon Tide" }));
    const done = await screen.findByTestId("name-picked");
    expect(done).toHaveTextContent("“Neon Tide” is in your artistDNA as version 4, and the track is renamed.");
    expect(within(done).getByRole("link", { name: "Open the artistDNA" })).toHaveAttribute("href", "/studio/dna");
    expect(calls.find((c) => c.path === "/studio/names")?.body).toMatchObject({ track_id: "t9", seed: 7 });
    const pick = calls.find((c) => c.path === "/studio/names/pick");
    expect(pick?.body).toEqual({
      name: "Neon Tide", rationale: "water and light at night", track_id: "t9",
      brief: { artist_name: "Nova", genre: "synthwave", mood: "nostalgic", themes: ["night", "city", "escape"] },
    });
    await waitFor(() => expect(screen.getAllByTestId("name-candidate")[0]).toHaveClass("name-picked"));
  });

  it("words every flag", () => {
    expect(flagText("too_close:Aurora")).toBe("Too close to “Aurora”");
    expect(flagText("some_new_flag")).toBe("some new flag");
  });
});
