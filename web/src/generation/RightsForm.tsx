/**
 * A royalty admin's form for one named catalog's recording (docs/generation.md, "Named
 * catalogs"): its rights holders (id, name, role, share) added and removed, a live check that
 * the shares make exactly 100 %, and the reason the audit record keeps. Title, artists and ISRC
 * are not asked: the API reads them from the named catalog.
 */
import { useId, useState, type FormEvent } from "react";
import { useAddRights, type HolderRole, type PendingRights, type RightsAdded, type RightsRequest } from "../api/generation";
import { add, exact, isWhole, parseShare, percentText, ZERO, type Fraction } from "./rightsShares";

export const ROLES: HolderRole[] = ["composer", "lyricist", "publisher", "performer", "producer", "label"];
const MAX_HOLDERS = 50;

interface Row {
  key: number;
  id: string;
  name: string;
  role: HolderRole;
  share: string;
}

let nextKey = 0;
const blankRow = (): Row => ({ key: nextKey++, id: "", name: "", role: "composer", share: "" });

/** What is wrong with the form (empty when it can be sent), the shares' sum, and the request. */
export function checkRights(recordingId: string, rows: Row[], reason: string) {
  const problems: string[] = [];
  let sum: Fraction = ZERO;
  const ids = rows.map((r) => r.id.trim());
  rows.forEach((row, i) => {
    const share = parseShare(row.share);
    if (!ids[i]) problems.push(`holder ${i + 1}: give the rights holder's id`);
    else if (ids.indexOf(ids[i]!) !== i) problems.push(`holder ${i + 1}: ${ids[i]} is listed twice`);
    if (!share || share.num === 0n) problems.push(`holder ${i + 1}: the share must be a percent above 0 (50, 12.5) or a fraction (1/3)`);
    else sum = add(sum, share);
  });
  if (!isWhole(sum)) problems.push(`the shares make ${percentText(sum)}, not exactly 100 %`);
  if (reason.trim().length < 3) problems.push("say why (the contract or split sheet these shares come from)");
  const request: RightsRequest = {
    recording_id: recordingId,
    holders: Object.fromEntries(rows.map((r) => [r.id.trim(), exact(parseShare(r.share) ?? ZERO)])),
    holder_names: Object.fromEntries(rows.filter((r) => r.name.trim()).map((r) => [r.id.trim(), r.name.trim()])),
    holder_roles: Object.fromEntries(rows.map((r) => [r.id.trim(), r.role])),
    reason: reason.trim(),
  };
  return { problems, sum, request };
}

export function RightsForm({ recording, onAdded }: { recording: PendingRights; onAdded: (added: RightsAdded) => void }) {
  const [rows, setRows] = useState<Row[]>(() => [blankRow()]);
  const [reason, setReason] = useState("");
  const [tried, setTried] = useState(false);
  const save = useAddRights();
  const formId = useId();
  const { problems, sum, request } = checkRights(recording.recording_id, rows, reason);
  const change = (key: number, patch: Partial<Row>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (problems.length) return;
    save.mutate(request, { onSuccess: onAdded });
  };
  return (
    <form className="rights-form" onSubmit={submit} noValidate aria-label={`Rights holders of ${recording.title}`}>
      <table className="rights-holders">
        <thead><tr><th scope="col">Holder id</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Share</th><th /></tr></thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={row.key} data-testid="holder-row">
              <td><input aria-label={`Holder ${i + 1} id`} value={row.id} maxLength={128} placeholder="holder:…"
                onChange={(e) => change(row.key, { id: e.target.value })} /></td>
              <td><input aria-label={`Holder ${i + 1} name`} value={row.name} maxLength={200}
                onChange={(e) => change(row.key, { name: e.target.value })} /></td>
              <td>
                <select aria-label={`Holder ${i + 1} role`} value={row.role} onChange={(e) => change(row.key, { role: e.target.value as HolderRole })}>
                  {ROLES.map((role) => <option key={role} value={role}>{role}</option>)}
                </select>
              </td>
              <td><input aria-label={`Holder ${i + 1} share`} value={row.share} maxLength={30} inputMode="decimal" placeholder="50 or 1/3"
                className="rights-share" onChange={(e) => change(row.key, { share: e.target.value })} /></td>
              <td>
                <button type="button" className="btn btn-small btn-ghost" disabled={rows.length === 1}
                  onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))} aria-label={`Remove holder ${i + 1}`}>Remove</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="rights-sum">
        <button type="button" className="btn btn-small" disabled={rows.length >= MAX_HOLDERS}
          onClick={() => setRows((all) => [...all, blankRow()])}>Add a holder</button>
        <span role="status" aria-live="polite" data-testid="share-sum"
          className={isWhole(sum) ? "badge badge-ok" : "badge badge-warn"}>
          Sum {percentText(sum)}{isWhole(sum) ? "" : " · must be exactly 100 %"}
        </span>
      </div>
      <label className="field" htmlFor={`${formId}-reason`}>Reason (kept in the audit record)</label>
      <textarea id={`${formId}-reason`} value={reason} maxLength={500} rows={2}
        placeholder="e.g. publisher split sheet of 2026-03-02" onChange={(e) => setReason(e.target.value)} />
      {tried && problems.length > 0 && (
        <ul className="error-text" role="alert" aria-label="What to fix">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
      )}
      {save.error && <p className="error-text" role="alert">The API refused the rights: {save.error.message}</p>}
      <button type="submit" className="btn btn-primary" disabled={save.isPending}>
        {save.isPending ? "Adding…" : "Add to the catalog"}
      </button>
    </form>
  );
}
