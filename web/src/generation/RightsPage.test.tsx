import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { signIn } from "../auth/session";
import { fakeToken, mockApi, renderApp, signInForTest } from "../test/utils";
import Generation from "./GenerationRoutes";
import { exact, parseShare, percentText } from "./rightsShares";
import { detail, song, tenSongs } from "./testing";

const pending = (id: string, title: string) => ({
  recording_id: id, source: "apple-music", title, artists: ["Nobody Known"], isrc: "QZABC2600098",
  url: "https://music.apple.com/song/1", requested_at: "2026-12-07T10:00:00Z",
});

function signInAsAdmin() {
  signIn({ token: fakeToken({ "cognito:groups": ["royalty-admins"] }), kind: "dev", name: "ops", expiresAt: Date.now() + 3_600_000 });
}

describe("rights shares", () => {
  it("reads percents and fractions exactly, and refuses what is no share", () => {
    expect(exact(parseShare("50")!)).toBe("1/2");
    expect(exact(parseShare("12,5 %")!)).toBe("1/8");
    expect(exact(parseShare("100")!)).toBe("1");
    expect(exact(parseShare("1/3")!)).toBe("1/3");
    expect(percentText(parseShare("1/3")!)).toBe("33.3333 %");
    for (const hostile of ["", "-5", "abc", "1/0", "1e3", "50.5.5", "0x10", "１０"]) expect(parseShare(hostile)).toBeNull();
  });
});

describe("RightsPage: the royalty admins' rights form", () => {
  it("checks the sum live, shows what to fix, and sends exact shares, roles and the reason", async () => {
    signInAsAdmin();
    let refuse = true;
    const calls = mockApi({
      "GET /generation/rights/pending": () => ({ items: [pending("apple-music:1", "Other song"), pending("apple-music:2", "Harbour Static")] }),
      "POST /generation/rights": () => refuse
        ? Response.json({ message: "the named catalog could not be reached" }, { status: 502 })
        : Response.json({ recording_id: "apple-music:2", title: "Harbour Static", artists: ["Nobody Known"], isrc: "QZABC2600098",
          duration_ms: 1000, work_id: "work:apple-music:2", work_title: "Harbour Static", holders: { "holder:a": "2/3", "holder:b": "1/3" },
          holder_names: {}, audit_operation: "op-42" }, { status: 201 }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, { route: "/generation/rights?recording=apple-music%3A2", path: "/generation/*" });
    const cards = await screen.findAllByTestId("pending-recording");
    // the project page's recording comes first
    expect(cards[0]).toHaveTextContent("Harbour Static — Nobody Known");
    expect(cards[0]).toHaveAttribute("aria-current", "true");
    const form = within(cards[0]!);
    const sum = form.getByTestId("share-sum");
    expect(sum).toHaveTextContent("Sum 0 % · must be exactly 100 %");

    // submitting too early lists every problem and sends nothing
    await user.click(form.getByRole("button", { name: "Add to the catalog" }));
    const fix = form.getByRole("alert", { name: "What to fix" });
    expect(fix).toHaveTextContent("holder 1: give the rights holder's id");
    expect(fix).toHaveTextContent("the shares make 0 %, not exactly 100 %");
    expect(fix).toHaveTextContent("say why");

    await user.type(form.getByLabelText("Holder 1 id"), "holder:a");
    await user.type(form.getByLabelText("Holder 1 name"), "Hana Static");
    await user.type(form.getByLabelText("Holder 1 share"), "2/3");
    expect(sum).toHaveTextContent("Sum 66.6666 % · must be exactly 100 %");
    await user.click(form.getByRole("button", { name: "Add a holder" }));
    await user.type(form.getByLabelText("Holder 2 id"), "holder:a");
    await user.selectOptions(form.getByLabelText("Holder 2 role"), "publisher");
    await user.type(form.getByLabelText("Holder 2 share"), "33.3333");
    // 2/3 + 33.3333 % is not exactly 100 %: the check is exact, not rounded
    expect(sum).toHaveTextContent("must be exactly 100 %");
    expect(fix).toHaveTextContent("holder 2: holder:a is listed twice");
    await user.clear(form.getByLabelText("Holder 2 share"));
    await user.type(form.getByLabelText("Holder 2 share"), "1/3");
    expect(sum).toHaveTextContent(/^Sum 100 %$/);
    // a third holder, removed again
    await user.click(form.getByRole("button", { name: "Add a holder" }));
    expect(form.getAllByTestId("holder-row")).toHaveLength(3);
    await user.click(form.getByRole("button", { name: "Remove holder 3" }));
    expect(form.getAllByTestId("holder-row")).toHaveLength(2);
    await user.clear(form.getByLabelText("Holder 2 id"));
    await user.type(form.getByLabelText("Holder 2 id"), "holder:b");
    await user.type(form.getByLabelText("Reason (kept in the audit record)"), "  publisher split sheet 2026-03-02 ");
    expect(form.queryByRole("alert", { name: "What to fix" })).toBeNull();

    // the API's refusal is shown, and the form keeps what was typed
    await user.click(form.getByRole("button", { name: "Add to the catalog" }));
    expect(await form.findByText("The API refused the rights: the named catalog could not be reached")).toBeInTheDocument();
    expect(form.getByLabelText("Holder 1 id")).toHaveValue("holder:a");
    expect(calls.filter((c) => c.method === "POST").at(-1)?.body).toEqual({
      recording_id: "apple-music:2",
      holders: { "holder:a": "2/3", "holder:b": "1/3" },
      holder_names: { "holder:a": "Hana Static" },
      holder_roles: { "holder:a": "composer", "holder:b": "publisher" },
      reason: "publisher split sheet 2026-03-02",
    });

    refuse = false;
    await user.click(form.getByRole("button", { name: "Add to the catalog" }));
    expect(await screen.findByRole("status", { name: "Added" })).toHaveTextContent(
      "Added Harbour Static (QZABC2600098) with 2 holder(s) · audit op-42");
    await waitFor(() => expect(calls.filter((c) => c.path === "/generation/rights/pending")).toHaveLength(2));
  });

  it("tells an artist who is not a royalty admin who acts, and asks the API nothing", async () => {
    signInForTest();
    const calls = mockApi({});
    renderApp(<Generation />, { route: "/generation/rights", path: "/generation/*" });
    expect(await screen.findByText("Only a royalty admin adds rights holders")).toBeInTheDocument();
    expect(calls).toEqual([]);
  });
});

describe("ProjectPage: a song waiting for rights", () => {
  const waiting = () => detail({
    ready: false,
    songs: [...tenSongs().slice(1), song({ song_id: "s0", title: "Mystery", status: "needs_rights", match: null,
      error: "a royalty admin must add them",
      external: { source: "apple-music", recording_id: "apple-music:2", title: "Harbour Static", artists: ["Nobody Known"],
        isrc: "QZABC2600098", url: null } })],
  });

  it("links a royalty admin to the rights form for that recording", async () => {
    signInAsAdmin();
    mockApi({ "GET /generation/projects/{p}": waiting });
    renderApp(<Generation />, { route: "/generation/p1", path: "/generation/*" });
    const link = await screen.findByRole("link", { name: "Add its rights holders" });
    expect(link).toHaveAttribute("href", "/generation/rights?recording=apple-music%3A2");
  });

  it("tells an artist that a royalty admin must act", async () => {
    signInForTest();
    mockApi({ "GET /generation/projects/{p}": waiting });
    renderApp(<Generation />, { route: "/generation/p1", path: "/generation/*" });
    expect(await screen.findByTestId("rights-who")).toHaveTextContent("A royalty admin must add its rights holders and shares");
    expect(screen.queryByRole("link", { name: "Add its rights holders" })).toBeNull();
  });
});
