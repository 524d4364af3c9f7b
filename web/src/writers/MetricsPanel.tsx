/**
 * The room's model calls per day: the share of input tokens read from the prompt cache, the cost
 * and what caching saved against the same calls without it, and the p50 / p95 latency.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { writers, writersKeys, type MetricsDay } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { DayChart } from "./charts";

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));
export const usd = (v: number) => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
export const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;
export const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

/** Figures over the whole range: calls, the cache-read share of all input tokens, cost, saved. */
export function totals(days: MetricsDay[]) {
  const sum = (f: (d: MetricsDay) => number | null) => days.reduce((a, d) => a + (f(d) ?? 0), 0);
  const input = sum((d) => num(d.input_tokens));
  const read = sum((d) => num(d.cache_read_input_tokens));
  const created = sum((d) => num(d.cache_creation_input_tokens));
  // input_tokens is the uncached rest (the Messages API's usage): all input is the three together.
  const all = input + read + created;
  return { calls: sum((d) => d.calls), share: all ? read / all : null, cost: sum((d) => num(d.cost_usd)), saved: sum((d) => num(d.cost_saved_usd)) };
}

export function MetricsPanel({ roomId }: { roomId: string }) {
  const [days, setDays] = useState(14);
  const metrics = useQuery({ queryKey: writersKeys.metrics(roomId, days), queryFn: ({ signal }) => writers.metrics(roomId, days, signal) });
  const rows = metrics.data?.days ?? [];
  const labels = rows.map((d) => d.day);
  const sum = totals(rows);
  return (
    <section aria-labelledby="metrics-title" className="metrics">
      <div className="section-head">
        <h2 id="metrics-title">Model calls and the prompt cache</h2>
        <label>Days
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 14, 30, 90].map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
        </label>
      </div>
      {metrics.isPending && <Spinner label="Loading the metrics" />}
      {metrics.error && <ErrorState title="Cannot load the metrics" error={metrics.error} onRetry={() => void metrics.refetch()} />}
      {metrics.data && rows.length === 0 && <EmptyState title="No model calls in these days" />}
      {rows.length > 0 && (
        <>
          <dl className="summary-grid" aria-label="Totals">
            <div><dt>Calls</dt><dd>{sum.calls}</dd></div>
            <div><dt>Read from cache</dt><dd data-testid="total-share">{sum.share === null ? "—" : pct(sum.share)}</dd></div>
            <div><dt>Cost</dt><dd data-testid="total-cost">{usd(sum.cost)}</dd></div>
            <div><dt>Saved by caching</dt><dd data-testid="total-saved">{usd(sum.saved)}</dd></div>
          </dl>
          <div className="chart-grid">
            <DayChart title="Input tokens read from cache" days={labels} max={1}
              series={[{ name: "cache read share", values: rows.map((d) => num(d.cache_read_share)), format: pct }]} />
            <DayChart title="Cost and cost saved" days={labels}
              series={[{ name: "cost", values: rows.map((d) => num(d.cost_usd)), format: usd },
                { name: "saved by caching", values: rows.map((d) => num(d.cost_saved_usd)), format: usd }]} />
            <DayChart title="Latency" days={labels}
              series={[{ name: "p50", values: rows.map((d) => num(d.p50_ms)), format: ms },
                { name: "p95", values: rows.map((d) => num(d.p95_ms)), format: ms }]} />
          </div>
        </>
      )}
    </section>
  );
}
