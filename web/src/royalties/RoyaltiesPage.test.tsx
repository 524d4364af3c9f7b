import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { signIn } from "../auth/session";
import { job } from "../test/fixtures";
import { fakeToken, mockApi, renderApp, signInForTest } from "../test/utils";
import { monthOf } from "./HolderStatement";
import RoyaltiesPage from "./RoyaltiesPage";

const at = { route: "/royalties", path: "/royalties" };

function signInAsHolder() {
  signIn({ token: fakeToken({ "custom:holder_id": "holder:x" }), kind: "dev", name: "mara", expiresAt: Date.now() + 3_600_000 });
}

const statement = {
  holder: "holder:x", period_from: "2026-01", period_to: "2026-03", as_of: null,
  rows: [
    { period: "2026-01", currency: "USD", tenant: "label-r", statement: "distrokid:2026-01", track_id: "gen:k1", store: "spotify", territory: "DE", plays: 1000, amount_micros: 2_600_000, lines: 2, amount: "2.600000" },
    { period: "2026-02", currency: "USD", tenant: "label-r", statement: "distrokid:2026-02", track_id: "gen:k1", store: "spotify", territory: "DE", plays: 400, amount_micros: 1_040_000, lines: 1, amount: "1.040000" },
  ],
  totals: [{ currency: "USD", amount_micros: 3_640_000, carried_in_micros: 0, payable_minor: 364, carried_out_micros: 0, amount: "3.640000", payable: "3.64" }],
};

const chart = {
  holder: "holder:x",
  plays_over_time: [{ period: "2026-01", plays: 1000 }, { period: "2026-02", plays: 400 }],
  earnings_over_time: [{ period: "2026-01", currency: "USD", amount_micros: 2_600_000, amount: "2.600000" },
    { period: "2026-02", currency: "USD", amount_micros: 1_040_000, amount: "1.040000" }],
  earnings_by_song: [{ track_id: "gen:k1", currency: "USD", amount_micros: 3_640_000, plays: 1400, amount: "3.640000" }],
};

const artistRoutes = {
  "GET /royalties/holders": () => [],
};

describe("RoyaltiesPage: a rights holder", () => {
  beforeEach(signInAsHolder);

  it("shows the holder's statement with charts and totals, and downloads it as CSV", async () => {
    const calls = mockApi({
      "GET /royalties/statements": (_r, url) => (url.searchParams.get("format") === "csv"
        ? new Response("row,holder\ndetail,holder:x\n", { headers: { "Content-Type": "text/csv" } })
        : statement),
      "GET /royalties/chart": () => chart,
      ...artistRoutes,
    });
    const created = vi.fn((_blob: Blob) => "blob:statement");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    const user = userEvent.setup();
    renderApp(<RoyaltiesPage />, at);
    expect(await screen.findByText("Signed in as rights holder holder:x.")).toBeInTheDocument();
    expect(screen.getByLabelText("Rights holder")).toHaveValue("holder:x");
    const rows = await screen.findAllByTestId("statement-row");
    expect(rows.map((r) => r.textContent)).toEqual(["2026-01label-r · distrokid:2026-01gen:k1spotifyDE10002.600000 USD", "2026-02label-r · distrokid:2026-02gen:k1spotifyDE4001.040000 USD"]);
    expect(screen.getByTestId("total")).toHaveTextContent("USD3.6400003.640");
    const first = calls.find((c) => c.path === "/royalties/statements");
    expect(first?.query).toEqual({ holder: "holder:x", from: monthOf(new Date(), 11), to: monthOf(new Date()) });
    // the charts: plays and earnings over time as lines, earnings by song as bars
    const lines = await screen.findAllByTestId("line-chart");
    expect(lines).toHaveLength(2);
    expect(within(lines[0]!).getByRole("img")).toHaveAccessibleName("Plays over time: 2 periods from 2026-01 to 2026-02, highest 1000 plays in 2026-01");
    expect(lines[0]!.querySelectorAll("circle")).toHaveLength(2);
    const bars = screen.getByTestId("bar-chart");
    expect(within(bars).getByRole("img")).toHaveAccessibleName("Earnings by song (USD): gen:k1 3.640000 USD");
    await user.click(screen.getByRole("button", { name: "Download CSV" }));
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect(calls.find((c) => c.query.format === "csv")?.query).toMatchObject({ holder: "holder:x", format: "csv" });
    expect(await created.mock.calls[0]![0].text()).toBe("row,holder\ndetail,holder:x\n");
  });

  it("asks again for another range and says when it is empty or backwards", async () => {
    const calls = mockApi({
      "GET /royalties/statements": () => ({ ...statement, period_from: "2020-01", period_to: "2020-02", rows: [], totals: [] }),
      "GET /royalties/chart": () => ({ ...chart, plays_over_time: [], earnings_over_time: [], earnings_by_song: [] }),
      ...artistRoutes,
    });
    const user = userEvent.setup();
    renderApp(<RoyaltiesPage />, at);
    await screen.findByText("No earnings in this range");
    const from = screen.getByLabelText("From");
    const to = screen.getByLabelText("To");
    await user.clear(from);
    await user.type(from, "2020-03");
    await user.clear(to);
    await user.type(to, "2020-02");
    expect(screen.getByText("The range ends before it starts.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Show statement" })).toBeDisabled();
    await user.clear(from);
    await user.type(from, "2020-01");
    await user.click(screen.getByRole("button", { name: "Show statement" }));
    await waitFor(() => expect(calls.filter((c) => c.path === "/royalties/statements").at(-1)?.query).toEqual({ holder: "holder:x", from: "2020-01", to: "2020-02" }));
    expect(screen.queryByTestId("line-chart")).not.toBeInTheDocument();
  });
});

describe("RoyaltiesPage: an artist", () => {
  beforeEach(signInForTest);

  it("leaves the statement to the API, which refuses another holder's (403)", async () => {
    mockApi({
      "GET /royalties/statements": () => Response.json({ message: "a rights holder can only read their own statements" }, { status: 403 }),
      "GET /royalties/chart": () => Response.json({ message: "a rights holder can only read their own statements" }, { status: 403 }),
      ...artistRoutes,
    });
    const user = userEvent.setup();
    renderApp(<RoyaltiesPage />, at);
    expect(await screen.findByText("No generated tracks yet")).toBeInTheDocument();
    const holder = screen.getByLabelText("Rights holder");
    expect(holder).not.toHaveAttribute("readonly");
    expect(screen.getByRole("button", { name: "Show statement" })).toBeDisabled();
    await user.type(holder, "holder:x");
    await user.click(screen.getByRole("button", { name: "Show statement" }));
    expect(await screen.findByText("Not your statement")).toBeInTheDocument();
    expect(screen.getByText(/a rights holder can only read their own statements\. Statements are shown/)).toBeInTheDocument();
  });

  it("imports a statement file and shows its progress, summary and rejected lines", async () => {
    let polls = 0;
    const storage: { url: string; method: string }[] = [];
    const calls = mockApi({
      ...artistRoutes,
      "POST /royalties/statements/uploads": () => Response.json({ key: "statements/tester/u1/may.csv", url: "https://s3/may.csv", method: "PUT",
        format: "csv", headers: { "Content-Type": "text/csv" } }, { status: 201 }),
      "POST /royalties/imports": () => Response.json(job({ job_id: "imp1", status: "queued", stage: "queued", percent: 0 }), { status: 202 }),
      "GET /royalties/imports/{id}": () => (++polls < 2
        ? { job: job({ job_id: "imp1", stage: "import", percent: 40 }), summary: null }
        : { job: job({ job_id: "imp1", status: "succeeded", stage: "done", percent: 100 }), summary: {
          import_id: "imp1", key: "statements/tester/u1/may.csv", source: "distrokid:2026-05", fingerprint: "f1", lines: 6,
          imported: 3, resumed: 0, duplicates: 1, held: 1, errors: 1, conflicts: 0, accounted: true, reconciled: true,
          reconciliation: { USD: { revenue_micros: 5_000_000, allocated_micros: 5_000_000, held_micros: 1_000_000, revenue: "5.00",
            allocated: "5.00", held: "1.00", reconciled: true } },
          held_tracks: ["ZZSMD2699999"], error_lines: [{ line_no: 5, reason: "period '2024-13' is not YYYY-MM" }], parts: 1,
          failed_parts: [] } }),
      "GET /royalties/imports/{id}/errors": () => [{ line_no: 5, reason: "period '2024-13' is not YYYY-MM", raw: "X,DE,spotify,2024-13,1,0.1,USD" }],
    });
    const apiFetch = globalThis.fetch;
    vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith("https://s3/")) return apiFetch(input, init);
      storage.push({ url, method: init?.method ?? "GET" });
      return new Response(null, { status: 200 });
    });
    const user = userEvent.setup();
    renderApp(<RoyaltiesPage />, at);
    const form = await screen.findByRole("form", { name: "Import a statement" });
    await user.upload(within(form).getByLabelText(/Statement file/), new File(["track,territory\n"], "may.csv", { type: "text/csv" }));
    await user.type(within(form).getByLabelText(/Statement name/), "distrokid:2026-05");
    await user.click(within(form).getByRole("button", { name: "Import" }));
    expect(await screen.findByRole("progressbar", { name: "Importing: import" })).toHaveAttribute("aria-valuenow", "40");
    expect(storage).toEqual([{ url: "https://s3/may.csv", method: "PUT" }]);
    expect(calls.find((c) => c.path === "/royalties/statements/uploads")?.body).toEqual({ filename: "may.csv", size_bytes: 16 });
    expect(calls.find((c) => c.path === "/royalties/imports")?.body).toEqual({ key: "statements/tester/u1/may.csv", source: "distrokid:2026-05" });
    const summary = await screen.findByLabelText("Import summary", {}, { timeout: 5000 });
    expect(summary.textContent).toBe("Lines6Imported3Duplicates1Held1Errors1Conflicts0");
    expect(screen.getByText(/Held lines wait for provenance of: ZZSMD2699999/)).toBeInTheDocument();
    const rejected = await screen.findAllByTestId("import-error");
    expect(rejected[0]).toHaveTextContent("5period '2024-13' is not YYYY-MMX,DE,spotify,2024-13,1,0.1,USD");
  }, 10_000);

  it("refuses a file that is no statement before uploading", async () => {
    const calls = mockApi(artistRoutes);
    const user = userEvent.setup({ applyAccept: false });
    renderApp(<RoyaltiesPage />, at);
    const form = await screen.findByRole("form", { name: "Import a statement" });
    await user.upload(within(form).getByLabelText(/Statement file/), new File(["x"], "notes.pdf"));
    expect(within(form).getByText("Statements are .csv or .jsonl files.")).toBeInTheDocument();
    expect(within(form).getByRole("button", { name: "Import" })).toBeDisabled();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("lists the tracks' rights holders with weights, allocations and a chart", async () => {
    mockApi({
      "GET /royalties/holders": () => [{ track_id: "gen:k1", isrc: "ZZSMD2600099", provenance_version: 2,
        holders: [{ holder: "holder:x", weight: "0.0804" }, { holder: "holder:y", weight: "0.33" }],
        allocated: [{ holder: "holder:y", currency: "USD", amount_micros: 1_650_000, amount: "1.650000" },
          { holder: "holder:x", currency: "USD", amount_micros: 402_000, amount: "0.402000" }] }],
    });
    renderApp(<RoyaltiesPage />, at);
    const table = await screen.findByRole("table", { name: "Rights holders of gen:k1" });
    const rows = within(table).getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(rows).toEqual(["holder:x8.0 %0.08040.402000 USD", "holder:y33 %0.331.650000 USD"]);
    expect(screen.getByText("ISRC ZZSMD2600099 · provenance version 2")).toBeInTheDocument();
    const chartEl = screen.getByTestId("bar-chart");
    expect(within(chartEl).getByRole("img")).toHaveAccessibleName("Earnings by holder (USD): holder:y 1.650000 USD; holder:x 0.402000 USD");
    expect(chartEl.querySelectorAll("rect")).toHaveLength(2);
  });
});
