/**
 * A rights holder's own statement for a range of periods: charts (plays and earnings over
 * time, earnings by song), the detail table with totals per currency, and a CSV download.
 * The API answers 403 for anyone but the holder the token names.
 */
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { royalties, useChart, useStatement, type Chart, type Range } from "../api/royalties";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { BarChart, LineChart } from "./charts";

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `YYYY-MM` of a date, `back` months earlier. */
export function monthOf(date: Date, back = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - back, 1));
  return d.toISOString().slice(0, 7);
}

function Charts({ chart }: { chart: Chart }) {
  const currencies = [...new Set(chart.earnings_over_time.map((e) => e.currency))];
  return (
    <div className="charts">
      <LineChart title="Plays over time" points={chart.plays_over_time.map((p) => ({ label: p.period, value: p.plays, text: `${p.plays} plays` }))} />
      {currencies.map((c) => (
        <LineChart key={`t-${c}`} title={`Earnings over time (${c})`} points={chart.earnings_over_time.filter((e) => e.currency === c)
          .map((e) => ({ label: e.period, value: e.amount_micros, text: `${e.amount} ${c}` }))} />
      ))}
      {currencies.map((c) => (
        <BarChart key={`s-${c}`} title={`Earnings by song (${c})`} bars={chart.earnings_by_song.filter((e) => e.currency === c)
          .map((e) => ({ label: e.track_id, value: e.amount_micros, text: `${e.amount} ${c}` }))} />
      ))}
    </div>
  );
}

async function downloadCsv(range: Range) {
  const text = await royalties.statementCsv(range);
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `statement-${range.holder}-${range.from}-${range.to}.csv`.replace(/[^A-Za-z0-9._-]/g, "_");
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function HolderStatement({ holder }: { holder: string | null }) {
  const now = new Date();
  const [holderId, setHolderId] = useState(holder ?? "");
  const [from, setFrom] = useState(monthOf(now, 11));
  const [to, setTo] = useState(monthOf(now));
  const [range, setRange] = useState<Range | null>(holder ? { holder, from: monthOf(now, 11), to: monthOf(now) } : null);
  const [csvError, setCsvError] = useState<string | null>(null);
  const [csvBusy, setCsvBusy] = useState(false);
  const statement = useStatement(range);
  const chart = useChart(range);
  const badRange = !PERIOD.test(from) || !PERIOD.test(to) ? "Periods are months (YYYY-MM)." : from > to ? "The range ends before it starts." : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (badRange || !holderId.trim()) return;
    setRange({ holder: holderId.trim(), from, to });
  };
  const csv = () => {
    if (!range) return;
    setCsvBusy(true);
    setCsvError(null);
    downloadCsv(range).catch((err: Error) => setCsvError(err.message)).finally(() => setCsvBusy(false));
  };
  const forbidden = statement.error instanceof ApiError && statement.error.status === 403;

  return (
    <section aria-labelledby="statement-title" className="gen-page">
      <h2 id="statement-title">Your statement</h2>
      <form className="card form" onSubmit={submit} aria-label="Statement range" noValidate>
        <div className="field-row">
          <label>Rights holder
            <input value={holderId} onChange={(e) => setHolderId(e.target.value)} readOnly={Boolean(holder)} required
              placeholder="holder:…" />
          </label>
          <label>From<input type="month" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
          <label>To<input type="month" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        </div>
        {!holder && <p className="muted small">Your sign-in names no rights holder: only a holder&apos;s own token can read a statement.</p>}
        {badRange && <p className="error-text small">{badRange}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={Boolean(badRange) || !holderId.trim()}>Show statement</button>
          <button type="button" className="btn" onClick={csv} disabled={!range || csvBusy || forbidden}>
            {csvBusy ? "Preparing…" : "Download CSV"}
          </button>
        </div>
        {csvError && <p className="error-text" role="alert">{csvError}</p>}
      </form>
      {range && statement.isPending && <Spinner label="Loading the statement" />}
      {forbidden && (
        <ErrorState title="Not your statement" error={`${statement.error?.message ?? "Forbidden"}. Statements are shown to the rights holder they belong to.`} />
      )}
      {statement.error && !forbidden && <ErrorState title="Cannot load the statement" error={statement.error} onRetry={() => void statement.refetch()} />}
      {statement.data && statement.data.rows.length === 0 && (
        <EmptyState title="No earnings in this range"><p>{statement.data.period_from} to {statement.data.period_to}: nothing was split to you yet.</p></EmptyState>
      )}
      {statement.data && statement.data.rows.length > 0 && (
        <>
          {chart.data && <Charts chart={chart.data} />}
          {chart.error && <p className="error-text" role="alert">Cannot draw the charts: {chart.error.message}</p>}
          <div className="table-scroll">
            <table className="data-table" aria-label="Totals">
              <thead><tr><th>Currency</th><th className="num">Earned in range</th><th className="num">Payable</th><th className="num">Carried forward (micros)</th></tr></thead>
              <tbody>
                {statement.data.totals.map((t) => (
                  <tr key={t.currency} data-testid="total">
                    <td>{t.currency}</td><td className="num">{t.amount}</td><td className="num">{t.payable}</td><td className="num">{t.carried_out_micros}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-scroll">
            <table className="data-table" aria-label="Statement lines">
              <thead>
                <tr><th>Period</th><th>Paid by</th><th>Track</th><th>Store</th><th>Territory</th><th className="num">Plays</th><th className="num">Amount</th></tr>
              </thead>
              <tbody>
                {statement.data.rows.map((r) => (
                  <tr key={`${r.period}|${r.currency}|${r.tenant}|${r.statement}|${r.track_id}|${r.store}|${r.territory}`} data-testid="statement-row">
                    <td>{r.period}</td><td title={r.statement}>{r.tenant} · {r.statement}</td><td>{r.track_id}</td><td>{r.store}</td><td>{r.territory}</td>
                    <td className="num">{r.plays}</td><td className="num">{r.amount} {r.currency}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
