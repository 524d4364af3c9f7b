import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { MetricsDay } from "../api/writers";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { ROOM } from "./testing";
import Writers from "./WritersRoutes";

const day = (d: string, o: Partial<MetricsDay> = {}): MetricsDay => ({
  day: d, calls: 10, calls_by_mode: { archivist: 8, creative: 2 }, input_tokens: 10_000, uncached_input_tokens: 1_000,
  cache_read_input_tokens: 8_000, cache_creation_input_tokens: 1_000, output_tokens: 2_000, cache_read_share: 0.8,
  cost_usd: "0.0500", cost_without_cache_usd: "0.1700", saved_usd: "0.1200", p50_latency_ms: 900, p95_latency_ms: 2400, ...o,
});

describe("MetricsPanel", () => {
  beforeEach(signInForTest);

  it("charts the cache share, cost and latency per day, with the API's totals, for the days chosen", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/metrics": () => ({ room_id: "r1",
        days: [day("2026-01-01", { cache_read_share: 0.5, p95_latency_ms: null }), day("2026-01-02", { calls: 0, cache_read_share: 0 }), day("2026-01-03")],
        total: day("total", { calls: 20, cache_read_share: 0.65, cost_usd: "0.1000", cost_without_cache_usd: "0.3400", saved_usd: "0.2400" }) }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/metrics", path: "/writers/*" });
    const charts = await screen.findAllByTestId("day-chart");
    expect(charts.map((c) => c.querySelector("h3")?.textContent)).toEqual(["Input tokens read from cache", "Cost and cost saved", "Latency"]);
    expect(charts[0]!.querySelector("svg")).toHaveAttribute("aria-label",
      "Input tokens read from cache: 3 days from 2026-01-01 to 2026-01-03; latest cache read share 80 %");
    expect(charts[0]!.querySelectorAll("circle")).toHaveLength(2);  // a day without calls has no share
    expect(charts[2]!.querySelector("svg")).toHaveAttribute("aria-label", expect.stringContaining("p50 900 ms, p95 2.4 s"));
    expect(charts[2]!.querySelectorAll(".series-1 circle")).toHaveLength(2);  // nor a day without a p95
    expect(screen.getByTestId("total-share")).toHaveTextContent("65 %");
    expect(screen.getByTestId("total-cost")).toHaveTextContent("$0.1000");
    expect(screen.getByTestId("total-saved")).toHaveTextContent("$0.2400");
    expect(calls.at(-1)?.query).toEqual({ days: "14" });
    await user.selectOptions(screen.getByLabelText("Days"), "30");
    await waitFor(() => expect(calls.at(-1)?.query).toEqual({ days: "30" }));
  });

  it("says when there were no calls", async () => {
    mockApi({ "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/metrics": () => ({ room_id: "r1", days: [day("2026-01-01", { calls: 0 })], total: day("total", { calls: 0 }) }) });
    renderApp(<Writers />, { route: "/writers/r1/metrics", path: "/writers/*" });
    expect(await screen.findByText("No model calls in these days")).toBeInTheDocument();
  });
});
