/**
 * The room's model calls per day: the share of input tokens read from the prompt cache, the cost
 * and what caching saved against the same calls without it, and the p50 / p95 latency. The API
 * adds the figures up (money as exact decimal text); this page only draws them.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { writers, writersKeys } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { DayChart } from "./charts";

export const usd = (v: number) => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
export const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;
export const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

export function MetricsPanel({ roomId }: { roomId: string }) {
  const [days, setDays] = useState(14);
  const metrics = useQuery({ queryKey: writersKeys.metrics(roomId, days), queryFn: ({ signal }) => writers.metrics(roomId, days, signal) });
  const rows = metrics.data?.days ?? [];
  const labels = rows.map((d) => d.day);
  const total = metrics.data?.total;
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
      {metrics.data && total?.calls === 0 && <EmptyState title="No model calls in these days" />}
      {total && total.calls > 0 && (
        <>
          <dl className="summary-grid" aria-label="Totals">
            <div><dt>Calls</dt><dd>{total.calls}</dd></div>
            <div><dt>Read from cache</dt><dd data-testid="total-share">{pct(total.cache_read_share)}</dd></div>
            <div><dt>Cost</dt><dd data-testid="total-cost">${total.cost_usd}</dd></div>
            <div><dt>Without caching</dt><dd>${total.cost_without_cache_usd}</dd></div>
            <div><dt>Saved by caching</dt><dd data-testid="total-saved">${total.saved_usd}</dd></div>
            <div><dt>Latency p50 / p95</dt><dd>{total.p50_latency_ms === null ? "—" : ms(total.p50_latency_ms)} / {total.p95_latency_ms === null ? "—" : ms(total.p95_latency_ms)}</dd></div>
          </dl>
          <div className="chart-grid">
            <DayChart title="Input tokens read from cache" days={labels} max={1}
              series={[{ name: "cache read share", values: rows.map((d) => (d.calls ? d.cache_read_share : null)), format: pct }]} />
            <DayChart title="Cost and cost saved" days={labels}
              series={[{ name: "cost", values: rows.map((d) => Number(d.cost_usd)), format: usd },
                { name: "saved by caching", values: rows.map((d) => Number(d.saved_usd)), format: usd }]} />
            <DayChart title="Latency" days={labels}
              series={[{ name: "p50", values: rows.map((d) => d.p50_latency_ms), format: ms },
                { name: "p95", values: rows.map((d) => d.p95_latency_ms), format: ms }]} />
          </div>
        </>
      )}
    </section>
  );
}
