/**
 * Creative tools: a continuity check of a pasted draft against the archive, and a character's
 * arc across the episodes. Both answer with citations that open the scene beside them.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useBible, writers, type ArcReport, type Citation, type ContinuityReport } from "../api/writers";
import { CitationChips, ScenePanel } from "./ScenePanel";

const VERDICT = { consistent: "badge-ok", contradiction: "badge-error", unknown: "" } as const;

function Continuity({ report, onOpen }: { report: ContinuityReport; onOpen: (c: Citation) => void }) {
  const contradictions = report.findings.filter((f) => f.verdict === "contradiction").length;
  return (
    <div className="tool-reply" data-testid="tool-reply">
      <p className={`badge ${contradictions ? "badge-error" : "badge-ok"}`}>
        {contradictions ? `${contradictions} ${contradictions === 1 ? "contradiction" : "contradictions"} with the archive`
          : "No contradiction with the archive found"}
      </p>
      {/* the report's text restates the findings below; shown alone when there are none */}
      {report.text && report.findings.length === 0 && <p className="chat-text">{report.text}</p>}
      <ol className="issues" aria-label="Findings">
        {report.findings.map((f, i) => (
          <li key={i} data-testid="finding">
            <p><span className={`badge ${VERDICT[f.verdict]}`}>{f.verdict}</span> <strong>{f.sentence}</strong></p>
            <p className="muted">{f.reason}</p>
            <CitationChips citations={f.evidence} onOpen={onOpen} />
          </li>
        ))}
      </ol>
      <p className="engine muted small">engine: {report.engine}</p>
    </div>
  );
}

function Arc({ report, onOpen }: { report: ArcReport; onOpen: (c: Citation) => void }) {
  return (
    <div className="tool-reply" data-testid="tool-reply">
      {!report.known && <p className="badge badge-warn">{report.character} is not in the archive</p>}
      {report.text && <p className="chat-text">{report.text}</p>}
      {report.beats.length > 0 && (
        <ol className="arc" aria-label="Arc">
          {report.beats.map((b, i) => (
            <li key={i}>
              <strong>{b.episode === null ? b.citation.document : `Episode ${b.episode}`}</strong>, scene {b.scene}: {b.summary}{" "}
              <CitationChips citations={[b.citation]} onOpen={onOpen} />
            </li>
          ))}
        </ol>
      )}
      <p className="engine muted small">engine: {report.engine}</p>
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
          <label>Draft <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={8} maxLength={60000}
            placeholder="Paste a scene or an outline: it is checked against the archive" /></label>
          {continuity.error && <p className="error-text" role="alert">{continuity.error.message}</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={!draft.trim() || continuity.isPending}>
              {continuity.isPending ? "Checking…" : "Check continuity"}
            </button>
          </div>
          {continuity.data && <Continuity report={continuity.data} onOpen={setOpen} />}
        </form>
        <form className="card form" onSubmit={summarise} aria-label="Character arc">
          <h2>A character&apos;s arc</h2>
          <label>Character <input value={character} onChange={(e) => setCharacter(e.target.value)} maxLength={120} list="arc-characters" /></label>
          <datalist id="arc-characters">{bible.data?.characters.map((c) => <option key={c.name} value={c.name} />)}</datalist>
          {arc.error && <p className="error-text" role="alert">{arc.error.message}</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={!character.trim() || arc.isPending}>
              {arc.isPending ? "Summarising…" : "Summarise the arc"}
            </button>
          </div>
          {arc.data && <Arc report={arc.data} onOpen={setOpen} />}
        </form>
      </div>
      {open && <ScenePanel roomId={roomId} citation={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
