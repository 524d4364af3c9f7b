/** The event a booth page works on: an operator's kiosk event, or one of the organiser's. */
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { listEvents } from "../api/booth";

export function EventPicker({ fixed, children }: { fixed: string | null; children: (eventId: string) => ReactNode }) {
  const events = useQuery({ queryKey: ["booth", "events"], queryFn: listEvents, enabled: !fixed });
  const [picked, setPicked] = useState<string>("");
  if (fixed) return <>{children(fixed)}</>;
  const list = events.data ?? [];
  const current = picked || list[0]?.event_id || "";
  if (events.isError) return <p className="error-text" role="alert">{events.error.message}</p>;
  return (
    <>
      {list.length > 1 && (
        <label className="field">Event{" "}
          <select value={current} onChange={(e) => setPicked(e.target.value)}>
            {list.map((e) => <option key={e.event_id} value={e.event_id}>{e.name}</option>)}
          </select>
        </label>
      )}
      {current ? children(current) : !events.isLoading && <p>No event yet: an organiser creates one on the organiser page.</p>}
    </>
  );
}
