/**
 * Creative tools: a continuity check of a pasted draft against the archive, and a character's
 * arc across the episodes. Both answer with citations that open the scene beside them.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useBible, writers, type Citation, type ToolReply } from "../api/writers";
import { CitationChips, ScenePanel } from "./ScenePanel";

function Reply({ reply, onOpen }: { reply: ToolReply; onOpen: (c: Citation) => void }) {
  const text = reply.text ?? reply.answer;
  return (
    <div className="tool-reply" data-testid="tool-reply">
      {text && <p className="chat-text">{text}</p>}
      {reply.issues && (reply.issues.length === 0
        ? <p className="badge badge-ok">No contradiction with the archive found.</p>
        : (
          <ol className="issues" aria-label="Continuity issues">
            {reply.issues.map((issue, i) => (
              <li key={i} data-testid="issue">
                {(issue.claim ?? issue.sentence) && <p><strong>{issue.claim ?? issue.sentence}</strong></p>}
                {(issue.conflict ?? issue.reason) && <p>{issue.conflict ?? issue.reason}</p>}
                <CitationChips citations={issue.citations ?? (issue.citation ? [issue.citation] : [])} onOpen={onOpen} />
              </li>
            ))}
          </ol>
        ))}
      {reply.events && (
        <ol className="arc" aria-label="Arc">
          {reply.events.map((e, i) => <li key={i}><strong>Episode {e.episode}</strong>: {e.summary}</li>)}
        </ol>
      )}
      <CitationChips citations={reply.citations ?? []} onOpen={onOpen} />
      {reply.engine && <p className="engine muted small">engine: {reply.engine}</p>}
    </div>
  );
}

export function ToolsPanel({ roomId }: { roomId: string }) {
  const bible = useBible(roomId);
  const [draft, setDraft] = useState("");
  const [character, setCharacter] = useState("");
  const [open, setOpen] = useState<Citation | null>(null);
  const continuity = useMutation({ mutationFn: (text: string) => writers.continuity(roomId, text) });
  const arc = useMutation({ mutationFn: (name: string) => writers.arc(roomId, name) });
  const check = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim()) continuity.mutate(draft);
  };
  const summarise = (event: FormEvent) => {
    event.preventDefault();
    if (character.trim()) arc.mutate(character.trim());
  };
  return (
    <div className={`tools-layout${open ? " chat-with-scene" : ""}`}>
      <div className="tools">
        <form className="card form" onSubmit={check} aria-label="Continuity check">
          <h2>Continuity check</h2>
          <label>Draft <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={8} maxLength={50000}
            placeholder="Paste a scene or an outline: it is checked against the archive" /></label>
          {continuity.error && <p className="error-text" role="alert">{continuity.error.message}</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={!draft.trim() || continuity.isPending}>
              {continuity.isPending ? "Checking…" : "Check continuity"}
            </button>
          </div>
          {continuity.data && <Reply reply={continuity.data} onOpen={setOpen} />}
        </form>
        <form className="card form" onSubmit={summarise} aria-label="Character arc">
          <h2>A character&apos;s arc</h2>
          <label>Character <input value={character} onChange={(e) => setCharacter(e.target.value)} maxLength={100} list="arc-characters" /></label>
          <datalist id="arc-characters">{bible.data?.characters.map((c) => <option key={c.name} value={c.name} />)}</datalist>
          {arc.error && <p className="error-text" role="alert">{arc.error.message}</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={!character.trim() || arc.isPending}>
              {arc.isPending ? "Summarising…" : "Summarise the arc"}
            </button>
          </div>
          {arc.data && <Reply reply={arc.data} onOpen={setOpen} />}
        </form>
      </div>
      {open && <ScenePanel roomId={roomId} citation={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
