/** The organiser's page: events, participants (decrypted for them only), CSV export, erasure,
 * templates, collages. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { addTemplate, createEvent, downloadExport, erase, participants, requestCollage, templates } from "../api/booth";
import { EventPicker } from "./EventPicker";
import { Queue } from "./QueuePage";

function EventAdmin({ eventId }: { eventId: string }) {
  const client = useQueryClient();
  const people = useQuery({ queryKey: ["booth", "participants", eventId], queryFn: () => participants(eventId) });
  const library = useQuery({ queryKey: ["booth", "templates", eventId], queryFn: () => templates(eventId) });
  const [message, setMessage] = useState<string | null>(null);
  const [size, setSize] = useState(4);
  const run = async (call: () => Promise<unknown>, done: string) => {
    try {
      await call();
      setMessage(done);
      await client.invalidateQueries({ queryKey: ["booth"] });
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  const upload = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const file = form.get("file");
    if (!(file instanceof File) || !file.size) return setMessage("choose a video file");
    void run(() => addTemplate(eventId, form.get("kind") as "musician" | "background", String(form.get("title") || file.name), file), "template added");
  };
  return (
    <div className="booth-admin">
      {message && <p role="status">{message}</p>}
      <section aria-labelledby="people-h">
        <h2 id="people-h">Participants</h2>
        <button type="button" className="btn" onClick={() => run(() => downloadExport(eventId), "export downloaded")}>Export CSV</button>
        <table>
          <thead><tr><th>Name</th><th>E-mail</th><th>Phone</th><th>Status</th><th>Collage</th><th>Page</th><th /></tr></thead>
          <tbody>
            {(people.data ?? []).map((p) => (
              <tr key={p.participant_id} data-testid="participant-row">
                <td>{p.name}</td><td>{p.email}</td><td>{p.phone}</td><td>{p.status}</td>
                <td>{p.consents.collage ? "yes" : "no"}</td>
                <td>{p.download_url && <a href={p.download_url}>link</a>}</td>
                <td>
                  <button type="button" className="btn btn-danger btn-small" onClick={() => {
                    if (window.confirm("Erase this participant's data and media? This cannot be undone.")) {
                      void run(() => erase(eventId, p.participant_id), "erased; the audit log keeps the opaque id");
                    }
                  }}>Erase</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="templates-h">
        <h2 id="templates-h">Templates</h2>
        <ul>{(library.data ?? []).map((t) => <li key={t.template_id}>{t.kind}: {t.title}{t.preview_url && <> · <a href={t.preview_url} target="_blank" rel="noreferrer">preview</a></>}</li>)}</ul>
        <form onSubmit={upload} className="row">
          <select name="kind" aria-label="Template kind"><option value="musician">Musician clip</option><option value="background">Background video</option></select>
          <input name="title" placeholder="Title" aria-label="Title" maxLength={120} />
          <input name="file" type="file" accept="video/mp4,video/quicktime,video/webm" aria-label="Video file" />
          <button type="submit" className="btn">Add template</button>
        </form>
      </section>
      <section aria-labelledby="collage-h">
        <h2 id="collage-h">Collage</h2>
        <label>Participants (4–100){" "}
          <input type="number" min={4} max={100} value={size} onChange={(e) => setSize(Number(e.target.value))} />
        </label>{" "}
        <button type="button" className="btn" onClick={() => run(() => requestCollage(eventId, size), "collage requested (consenting participants only)")}>Request collage</button>
      </section>
      <Queue eventId={eventId} />
    </div>
  );
}

export default function OrganiserPage() {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    await createEvent(name.trim(), 30);
    setName("");
    await client.invalidateQueries({ queryKey: ["booth", "events"] });
  };
  return (
    <div className="booth-page">
      <form onSubmit={add} className="row">
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="New event name" aria-label="New event name" maxLength={120} />
        <button type="submit" className="btn">Create event</button>
      </form>
      <EventPicker fixed={null}>{(id) => <EventAdmin eventId={id} />}</EventPicker>
    </div>
  );
}
