/** The operator's queue: every job of the event with live progress, and the print queue. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { boothRole, jobs, markPrinted, prints, reprint } from "../api/booth";
import { EventPicker } from "./EventPicker";

export function Queue({ eventId }: { eventId: string }) {
  const client = useQueryClient();
  const running = useQuery({ queryKey: ["booth", "jobs", eventId], queryFn: () => jobs(eventId), refetchInterval: 2000 });
  const ready = useQuery({ queryKey: ["booth", "prints", eventId], queryFn: () => prints(eventId), refetchInterval: 5000 });
  const act = async (call: Promise<unknown>) => {
    await call;
    await client.invalidateQueries({ queryKey: ["booth", "prints", eventId] });
  };
  return (
    <div className="booth-queue">
      <section aria-labelledby="jobs-h">
        <h2 id="jobs-h">Jobs</h2>
        <table>
          <thead><tr><th>Participant</th><th>Kind</th><th>Stage</th><th>Progress</th><th>Status</th></tr></thead>
          <tbody>
            {(running.data ?? []).map((j) => (
              <tr key={j.job_id} data-testid="job-row">
                <td>{String(j.subject.participant_id ?? "")}</td>
                <td>{j.kind}</td>
                <td>{j.stage}</td>
                <td><progress max={100} value={j.percent} aria-label={`${j.percent}%`} /> {j.percent}%</td>
                <td>{j.status}{j.error ? `: ${j.error}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="prints-h">
        <h2 id="prints-h">Ready to print</h2>
        {(ready.data ?? []).length === 0 && <p>Nothing waiting.</p>}
        <ul className="booth-prints">
          {(ready.data ?? []).map((p) => (
            <li key={p.participant_id} data-testid="print-item">
              <img src={p.image_url} alt={`Print of ${p.participant_id}`} width={160} />
              <span>{p.participant_id}</span>
              <a className="btn kiosk-btn" href={p.image_url} target="_blank" rel="noreferrer">Open to print</a>
              <button type="button" className="btn btn-ok kiosk-btn" onClick={() => act(markPrinted(eventId, p.participant_id))}>Mark printed</button>
              <button type="button" className="btn kiosk-btn" onClick={() => act(reprint(eventId, p.participant_id))}>Reprint</button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

export default function QueuePage() {
  const { role, event } = boothRole();
  return <div className="booth-page"><EventPicker fixed={role === "operator" ? event : null}>{(id) => <Queue eventId={id} />}</EventPicker></div>;
}
