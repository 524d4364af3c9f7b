/** Where a take comes from: the ten works' weights as bars, and the reference/training split. */
import type { TakeProvenance } from "../api/generation";
import { sharePercent, shareValue } from "./shares";

export function ProvenanceView({ provenance }: { provenance: TakeProvenance }) {
  const { reference_share: reference, training_share: training } = provenance;
  const works = [...provenance.reference].sort((a, b) => shareValue(b.weight) - shareValue(a.weight));
  const top = Math.max(...works.map((w) => shareValue(w.weight)).filter(Number.isFinite), 0);
  return (
    <details className="provenance">
      <summary>Provenance and royalty split</summary>
      <div className="split" role="img" aria-label={`Royalties: ${sharePercent(reference)} to the ten songs, ${sharePercent(training)} to the training catalog`}>
        <span className="split-ref" style={{ width: `${shareValue(reference) * 100}%` }}>{sharePercent(reference)} ten songs</span>
        <span className="split-train" style={{ width: `${shareValue(training) * 100}%` }}>{sharePercent(training)} training</span>
      </div>
      <p className="muted small">
        The ten songs&apos; part is shared by each song&apos;s influence; the training part pro rata over {provenance.training_works} catalog works.
      </p>
      <h4>Each song&apos;s influence within the ten songs&apos; part</h4>
      <ul className="bars" aria-label="Influence of the ten songs">
        {works.map((w) => {
          const value = shareValue(w.weight);
          return (
            <li key={w.work_id} data-testid="influence">
              <span title={w.work_id}>{w.title ?? w.work_id}</span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar-fill" style={{ width: `${top > 0 && Number.isFinite(value) ? (value / top) * 100 : 0}%` }} />
              </span>
              <span className="num">{sharePercent(w.weight)}</span>
            </li>
          );
        })}
      </ul>
    </details>
  );
}
