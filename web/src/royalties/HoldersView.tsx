/** The artist's generated tracks: their rights holders with exact weights, and what each was allocated. */
import { useHolders, type HolderTrack } from "../api/royalties";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { sharePercent } from "../generation/shares";
import { BarChart } from "./charts";

function TrackHolders({ track }: { track: HolderTrack }) {
  const currencies = [...new Set(track.allocated.map((a) => a.currency))];
  return (
    <li className="card holder-track" data-testid="holder-track">
      <h3>{track.track_id}</h3>
      <p className="muted small">ISRC {track.isrc ?? "none"} · provenance version {track.provenance_version}</p>
      <div className="table-scroll">
        <table className="data-table" aria-label={`Rights holders of ${track.track_id}`}>
          <thead><tr><th>Holder</th><th className="num">Weight</th><th className="num">Exact</th><th className="num">Allocated</th></tr></thead>
          <tbody>
            {track.holders.map((h) => (
              <tr key={h.holder}>
                <td>{h.holder}</td><td className="num">{sharePercent(h.weight)}</td><td className="num"><code>{h.weight}</code></td>
                <td className="num">{track.allocated.filter((a) => a.holder === h.holder).map((a) => `${a.amount} ${a.currency}`).join(", ") || "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="charts">
        {currencies.map((c) => (
          <BarChart key={c} title={`Earnings by holder (${c})`} bars={track.allocated.filter((a) => a.currency === c)
            .map((a) => ({ label: a.holder, value: a.amount_micros, text: `${a.amount} ${c}` }))} />
        ))}
      </div>
    </li>
  );
}

export function HoldersView() {
  const holders = useHolders();
  return (
    <section aria-labelledby="holders-title">
      <h2 id="holders-title">Your tracks&apos; rights holders</h2>
      {holders.isPending && <Spinner label="Loading the rights holders" />}
      {holders.error && <ErrorState title="Cannot load the rights holders" error={holders.error} onRetry={() => void holders.refetch()} />}
      {holders.data && holders.data.length === 0 && (
        <EmptyState title="No generated tracks yet"><p>Publish a take: its provenance names who is owed what.</p></EmptyState>
      )}
      {holders.data && holders.data.length > 0 && (
        <ul className="gen-list">{holders.data.map((t) => <TrackHolders key={t.track_id} track={t} />)}</ul>
      )}
    </section>
  );
}
