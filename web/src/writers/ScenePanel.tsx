/** A cited scene in a side panel, and the chips that open one. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { writers, writersKeys, type Citation } from "../api/writers";
import { ErrorState, Spinner } from "../components/States";
import { citationLabel } from "./chat";

export function CitationChips({ citations, onOpen }: { citations: Citation[]; onOpen: (c: Citation) => void }) {
  if (!citations.length) return null;
  return (
    <ul className="wr-chips citations" aria-label="Citations">
      {citations.map((c, i) => (
        <li key={`${c.document_id}-${c.scene}-${i}`}>
          <button type="button" className="chip citation" onClick={() => onOpen(c)} title={`${c.document}: ${c.heading}`}
            data-testid="citation">{citationLabel(c)}</button>
        </li>
      ))}
    </ul>
  );
}

export function ScenePanel({ roomId, citation, onClose }: { roomId: string; citation: Citation; onClose: () => void }) {
  const { document_id: doc, scene } = citation;
  const reply = useQuery({
    queryKey: writersKeys.scene(roomId, doc, scene),
    queryFn: ({ signal }) => writers.scene(roomId, doc, scene, signal),
  });
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), [doc, scene]);
  return (
    <aside className="scene-panel card" aria-label="Scene" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <header className="scene-head">
        <h2>{citationLabel(citation)}</h2>
        <button ref={close} type="button" className="btn btn-small btn-ghost" onClick={onClose} aria-label="Close the scene">✕</button>
      </header>
      <p className="muted small">{citation.document}{reply.data && ` · version ${reply.data.version}`}</p>
      {reply.isPending && <Spinner label="Loading the scene" />}
      {reply.error && <ErrorState title="Cannot open the scene" error={reply.error} />}
      {reply.data && (
        <>
          <h3 className="scene-heading">{reply.data.heading}</h3>
          {reply.data.characters.length > 0 && <p className="muted small">{reply.data.characters.join(", ")}</p>}
          <pre className="scene-text" data-testid="scene-text">{reply.data.text}</pre>
        </>
      )}
      {citation.quote && <blockquote className="scene-quote">{citation.quote}</blockquote>}
    </aside>
  );
}
