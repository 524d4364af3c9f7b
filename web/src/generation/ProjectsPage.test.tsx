import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import Generation from "./GenerationRoutes";

describe("ProjectsPage", () => {
  beforeEach(signInForTest);

  it("lists the projects with their counters", async () => {
    mockApi({
      "GET /generation/projects": () => ({ items: [{ project_id: "p1", name: "Summer single", kept_take_id: null,
        created_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:00:00Z", song_count: 10, matched_count: 7, take_count: 1 }] }),
    });
    renderApp(<Generation />, { route: "/generation", path: "/generation/*" });
    expect(await screen.findByRole("link", { name: "Summer single" })).toHaveAttribute("href", "/generation/p1");
    expect(screen.getByText("10 of 10 songs · 7 matched · 1 take")).toBeInTheDocument();
  });

  it("says when there is no project, and creates one", async () => {
    const calls = mockApi({
      "GET /generation/projects": () => ({ items: [] }),
      "POST /generation/projects": () => Response.json({ project_id: "p9", name: "New one" }, { status: 201 }),
      "GET /generation/projects/{p}": () => ({ project: { project_id: "p9", name: "New one" }, songs: [], takes: [], ready: false,
        refusal: "the project has 0 songs; it needs exactly 10", identify_job: null }),
    });
    const user = userEvent.setup();
    renderApp(<Generation />, { route: "/generation", path: "/generation/*" });
    expect(await screen.findByText("No projects yet")).toBeInTheDocument();
    const create = screen.getByRole("button", { name: "Create project" });
    expect(create).toBeDisabled();  // a blank name is not sent
    await user.type(screen.getByLabelText("New project"), "  New one ");
    await user.click(create);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "New one" });
    expect(await screen.findByRole("heading", { name: "New one" })).toBeInTheDocument();
    expect(screen.getByText("No songs yet")).toBeInTheDocument();
    expect(screen.getByTestId("refusal")).toHaveTextContent("the project has 0 songs; it needs exactly 10");
  });

  it("shows the API's error when the list cannot load", async () => {
    mockApi({ "GET /generation/projects": () => Response.json({ message: "table is down" }, { status: 500 }) });
    renderApp(<Generation />, { route: "/generation", path: "/generation/*" });
    expect(await screen.findByRole("alert")).toHaveTextContent("table is down");
  });
});
