/**
 * Where a take comes from: the ten works' weights as bars, the reference/training split, and the
 * requested influence of each song beside the influence measured on the take.
 */
import type { InfluenceCheck, TakeProvenance } from "../api/generation";
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
      {provenance.influence_check && <InfluenceCheckView check={provenance.influence_check} />}
    </details>
  );
}

/** Requested against measured influence, one pair of bars per song, and the split rule's verdict. */
export function InfluenceCheckView({ check }: { check: InfluenceCheck }) {
  const top = Math.max(...check.songs.flatMap((s) => [shareValue(s.requested), shareValue(s.measured ?? "")])
    .filter(Number.isFinite), 0);
  const width = (share: string | null) => {
    const value = shareValue(share ?? "");
    return `${top > 0 && Number.isFinite(value) ? (value / top) * 100 : 0}%`;
  };
  const flagged = check.verdict !== "within tolerance";
  return (
    <section aria-label="Requested and measured influence" data-testid="influence-check">
      <h4>Requested and measured influence</h4>
      <p className="small">
        <span className={`badge ${flagged && check.reviewed_version == null ? "badge-error" : "badge-ok"}`}>
          {check.reviewed_version != null ? `reviewed by a royalty admin (version ${check.reviewed_version})` : check.verdict}
        </span>{" "}
        {check.distance != null ? `distance ${sharePercent(check.distance)}` : check.reason}
        {" "}(tolerance {sharePercent(check.tolerance)}); the split uses {check.split_uses}.
      </p>
      <ul className="bars bars-pair">
        {check.songs.map((s) => (
          <li key={s.work_id} data-testid="influence-pair"
            aria-label={`${s.title ?? s.work_id}: requested ${sharePercent(s.requested)}, measured ${s.measured ? sharePercent(s.measured) : "not measured"}`}>
            <span title={s.work_id}>{s.title ?? s.work_id}</span>
            <span className="bar-stack" aria-hidden="true">
              <span className="bar-track"><span className="bar-fill" style={{ width: width(s.requested) }} /></span>
              <span className="bar-track"><span className="bar-fill bar-measured" style={{ width: width(s.measured) }} /></span>
            </span>
            <span className="num">{sharePercent(s.requested)} · {s.measured ? sharePercent(s.measured) : "–"}</span>
          </li>
        ))}
      </ul>
      <p className="muted small">Top bar: requested; lower bar: measured on the take ({check.method}).</p>
    </section>
  );
}
