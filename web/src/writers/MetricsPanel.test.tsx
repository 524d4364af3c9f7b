import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { MetricsDay } from "../api/writers";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { totals } from "./MetricsPanel";
import { ROOM } from "./testing";
import Writers from "./WritersRoutes";

const day = (d: string, o: Partial<MetricsDay> = {}): MetricsDay => ({
  day: d, calls: 10, input_tokens: 1_000, cache_read_input_tokens: 8_000, cache_creation_input_tokens: 1_000,
  cache_read_share: 0.8, cost_usd: "0.0500", cost_saved_usd: "0.1200", p50_ms: 900, p95_ms: 2400, ...o,
});

describe("MetricsPanel", () => {
  beforeEach(signInForTest);

  it("adds the days up: the cache share is of all input tokens, money as sent", () => {
    const sum = totals([day("2026-01-01"), day("2026-01-02", { input_tokens: 10_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, cost_usd: 0.25, cost_saved_usd: 0 })]);
    expect(sum.calls).toBe(20);
    expect(sum.share).toBeCloseTo(8_000 / 20_000);
    expect(sum.cost).toBeCloseTo(0.3);
    expect(sum.saved).toBeCloseTo(0.12);
    expect(totals([]).share).toBeNull();
  });

  it("charts the cache share, cost and latency per day, for the days chosen", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/metrics": () => ({ room_id: "r1", days: [day("2026-01-01", { cache_read_share: 0.5, p95_ms: null }), day("2026-01-02")] }),
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/metrics", path: "/writers/*" });
    const charts = await screen.findAllByTestId("day-chart");
    expect(charts.map((c) => c.querySelector("h3")?.textContent)).toEqual(["Input tokens read from cache", "Cost and cost saved", "Latency"]);
    expect(charts[0]!.querySelector("svg")).toHaveAttribute("aria-label",
      "Input tokens read from cache: 2 days from 2026-01-01 to 2026-01-02; latest cache read share 80 %");
    expect(charts[2]!.querySelector("svg")).toHaveAttribute("aria-label", expect.stringContaining("p50 900 ms, p95 2.4 s"));
    expect(charts[2]!.querySelectorAll(".series-1 circle")).toHaveLength(1);  // a day without a p95 has no point
    expect(screen.getByTestId("total-share")).toHaveTextContent("80 %");
    expect(screen.getByTestId("total-cost")).toHaveTextContent("$0.1000");
    expect(screen.getByTestId("total-saved")).toHaveTextContent("$0.2400");
    expect(calls.at(-1)?.query).toEqual({ days: "14" });
    await user.selectOptions(screen.getByLabelText("Days"), "30");
    await waitFor(() => expect(calls.at(-1)?.query).toEqual({ days: "30" }));
  });

  it("says when there were no calls", async () => {
    mockApi({ "GET /writers/rooms/{r}": () => ROOM, "GET /writers/rooms/{r}/metrics": () => ({ days: [] }) });
    renderApp(<Writers />, { route: "/writers/r1/metrics", path: "/writers/*" });
    expect(await screen.findByText("No model calls in these days")).toBeInTheDocument();
  });
});
