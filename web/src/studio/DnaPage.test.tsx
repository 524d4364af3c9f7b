import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { renderApp, signInForTest } from "../test/utils";
import Studio from "./StudioRoutes";
import { artwork, dna, EMPTY_DNA, mockStudio } from "./testing";

const history = [
  { version: 3, created_at: "2026-01-03T10:00:00Z", change: "picked artwork c01 for Night Drive" },
  { version: 2, created_at: "2026-01-02T10:00:00Z", change: "picked name 'Neon Tide'" },
  { version: 1, created_at: "2026-01-01T10:00:00Z", change: "style updated" },
];

const diffs: Record<string, unknown> = {
  "2-3": [
    { path: "/artworks/0", op: "add", before: null, after: { artwork_id: "a1", candidate_id: "c01" } },
    { path: "/style/notes", op: "change", before: "Neon.", after: "Rain and neon." },
  ],
  "1-3": [
    { path: "/names/0", op: "add", before: null, after: { name: "Neon Tide" } },
    { path: "/style/moods/1", op: "remove", before: "sunny", after: null },
  ],
};

const dnaPage = () => renderApp(<Studio />, { route: "/studio/dna", path: "/studio/*" });

describe("DnaPage", () => {
  beforeEach(signInForTest);

  it("renders the document readably: swatches, fonts, moods, names, artworks", async () => {
    mockStudio({
      "GET /studio/dna": () => dna(), "GET /studio/dna/history": () => history, "GET /studio/artwork/{id}": () => artwork(),
      "GET /studio/dna/diff": (_, url) => diffs[`${url.searchParams.get("from")}-${url.searchParams.get("to")}`],
    });
    dnaPage();
    const doc = await screen.findByTestId("dna-document");
    const swatches = within(doc).getByRole("list", { name: "Palette" });
    expect(within(swatches).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["magenta#ff00ff", "deep blue#101030"]);
    expect(within(doc).getByRole("list", { name: "Fonts" })).toHaveTextContent("Space Grotesk");
    expect(within(doc).getByRole("list", { name: "Moods" })).toHaveTextContent("nocturnal");
    expect(within(doc).getByText("Rain and neon.")).toBeInTheDocument();
    expect(within(screen.getByTestId("dna-names")).getByText("Neon Tide")).toBeInTheDocument();
    const art = within(screen.getByTestId("dna-artworks")).getByRole("link");
    expect(art).toHaveAttribute("href", "/studio/artwork/a1");
    await waitFor(() => expect(art.querySelector("img")).toHaveAttribute("src", "https://s3/c01.png"));  // the picked candidate's
    expect(art).toHaveTextContent("seed 11 · procedural-v1 (offline)");
    expect(screen.getByTestId("dna-version")).toHaveTextContent("Version 3");
  });

  it("lists the history, views an earlier version and diffs two chosen versions", async () => {
    const { calls } = mockStudio({
      "GET /studio/dna": (_, url) => dna(url.searchParams.get("version") === "1" ? { version: 1, names: [], artworks: [] } : {}),
      "GET /studio/artwork/{id}": () => artwork(),
      "GET /studio/dna/history": () => history,
      "GET /studio/dna/diff": (_, url) => diffs[`${url.searchParams.get("from")}-${url.searchParams.get("to")}`],
    });
    const user = userEvent.setup();
    dnaPage();
    const list = await screen.findByTestId("dna-history");
    expect(within(list).getAllByRole("listitem").map((li) => li.querySelector("strong")?.textContent)).toEqual(["v3", "v2", "v1"]);
    expect(within(list).getAllByRole("listitem")[0]).toHaveAttribute("aria-current", "true");

    // the latest two are compared first
    expect(await screen.findByTestId("diff-summary")).toHaveTextContent("1 added, 1 changed");
    const rows = screen.getAllByTestId("diff-row");
    expect(within(rows[1]!).getAllByRole("cell").map((c) => c.textContent)).toEqual(["changed", "/style/notes", "Neon.", "Rain and neon."]);
    expect(within(rows[0]!).getAllByRole("cell").map((c) => c.textContent)).toEqual(["added", "/artworks/0", "", '{"artwork_id":"a1","candidate_id":"c01"}']);
    await user.selectOptions(screen.getByLabelText("From"), "1");
    await waitFor(() => expect(screen.getByTestId("diff-summary")).toHaveTextContent("1 added, 1 removed"));
    expect(screen.getAllByTestId("diff-row")[1]).toHaveClass("diff-remove");
    expect(calls.filter((c) => c.path === "/studio/dna/diff").map((c) => c.query)).toEqual([{ from: "2", to: "3" }, { from: "1", to: "3" }]);

    await user.click(screen.getByRole("button", { name: "View version 1" }));
    expect(await screen.findByText("No name picked yet.", { exact: false })).toBeInTheDocument();
    expect(screen.getByTestId("dna-version")).toHaveTextContent("Version 1");
    expect(calls.some((c) => c.path === "/studio/dna" && c.query.version === "1")).toBe(true);
    await user.click(screen.getByRole("button", { name: "Back to the latest" }));
    await waitFor(() => expect(screen.getByTestId("dna-version")).toHaveTextContent("Version 3"));
  });

  it("edits the style as a new version", async () => {
    const { calls } = mockStudio({
      "GET /studio/dna": () => dna(),
      "GET /studio/dna/history": () => history,
      "GET /studio/dna/diff": () => [],
      "GET /studio/artwork/{id}": () => artwork(),
      "PUT /studio/dna/style": () => ({ dna_version: 4 }),
    });
    const user = userEvent.setup();
    dnaPage();
    await user.click(await screen.findByRole("button", { name: "Edit the style" }));
    const form = screen.getByRole("form", { name: "Edit the style" });
    await user.click(within(form).getByRole("button", { name: "Remove #101030" }));
    await user.type(within(form).getByLabelText("Add colours"), "#0F0, blue{Enter}");
    expect(within(form).getByText("Not a colour: blue (use #rrggbb).")).toBeInTheDocument();
    await user.clear(within(form).getByLabelText("Add colours"));
    await user.type(within(form).getByLabelText("Add colours"), "#0F0{Enter}");
    await user.type(within(form).getByLabelText("Moods"), "hopeful{Enter}");
    await user.click(within(form).getByRole("button", { name: "Remove Space Grotesk" }));
    await user.click(within(form).getByRole("button", { name: "Save as a new version" }));
    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit the style" })).not.toBeInTheDocument());
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({
      palette: ["#ff00ff", "#00ff00"], fonts: [], moods: ["nocturnal", "hopeful"], notes: "Rain and neon.",
    });
  });

  it("explains an artist without an artistDNA yet, and lets them start one with a style", async () => {
    mockStudio({
      "GET /studio/dna": () => EMPTY_DNA,
      "GET /studio/dna/history": () => [],
    });
    dnaPage();
    expect(await screen.findByText("No artistDNA yet")).toBeInTheDocument();
    expect(screen.getByText("No versions yet.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit the style" })).toBeInTheDocument();
  });
});
