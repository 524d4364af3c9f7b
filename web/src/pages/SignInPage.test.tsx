import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { getSession } from "../auth/session";
import { fakeToken, mockApi, renderApp } from "../test/utils";
import { safeNext, SignInPage } from "./SignInPage";

describe("SignInPage", () => {
  it("accepts a dev token the API accepts, and goes where the user was headed", async () => {
    const token = fakeToken({ sub: "artist-9" });
    const calls = mockApi({ "GET /jobs": () => ({ items: [], next_cursor: null }) });
    const user = userEvent.setup();
    renderApp(<SignInPage />, { route: "/signin?next=%2Ftracks%2Ft1", path: "/signin" });
    await user.type(screen.getByLabelText("Developer token"), token);
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("elsewhere")).toBeInTheDocument();
    expect(getSession()).toMatchObject({ token, name: "artist-9", kind: "dev" });
    expect(calls[0]).toMatchObject({ path: "/jobs", query: { limit: "1" } });
  });

  it("says so when the API refuses the token", async () => {
    mockApi({ "GET /jobs": () => Response.json({ message: "Unauthorized" }, { status: 401 }) });
    const user = userEvent.setup();
    renderApp(<SignInPage />, { route: "/signin", path: "/signin" });
    await user.type(screen.getByLabelText("Developer token"), fakeToken());
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("did not accept this token");
    expect(getSession()).toBeNull();
  });

  it("says so when the text is not a token at all", async () => {
    const user = userEvent.setup();
    renderApp(<SignInPage />, { route: "/signin", path: "/signin" });
    await user.type(screen.getByLabelText("Developer token"), "hello");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("not a token");
  });

  it("only follows links back into the app", () => {
    expect(safeNext("/tracks/1")).toBe("/tracks/1");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
