/**
 * The chat: archivist (answers from the archive with citations, or says it is not there) or
 * creative partner. A question starts a turn; the reply grows while the model writes, read by
 * polling the turn (API Gateway's HTTP API cannot stream a Lambda's reply). Citations open the
 * scene beside the chat. The left column lists the user's sessions in the room.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { TURN_POLL_MS, writers, writersKeys, type Citation, type Mode, type Turn } from "../api/writers";
import { ErrorState } from "../components/States";
import { isTurn, shownTurns, type Asking } from "./chat";
import { CitationChips, ScenePanel } from "./ScenePanel";

const MODES: [Mode, string, string][] = [
  ["archivist", "Archivist", "answers only from the archive, with episode and scene"],
  ["creative", "Creative partner", "may invent, and flags contradictions with the archive"],
];

function Answer({ turn, onOpen }: { turn: Turn; onOpen: (c: Citation) => void }) {
  const cached = turn.usage?.cache_read_input_tokens;
  return (
    <div className="chat-answer card" aria-busy={!turn.done}>
      {turn.text ? <p className="chat-text" data-testid="answer">{turn.text}</p> : !turn.done && <p className="muted">Thinking…</p>}
      {!turn.done && turn.text && <span className="chat-cursor" aria-hidden="true">▍</span>}
      {turn.not_in_archive && <p className="badge badge-warn">not in the archive</p>}
      {turn.error && <p className="error-text" role="alert">{turn.error}</p>}
      <CitationChips citations={turn.citations} onOpen={onOpen} />
      {turn.needs_provider && turn.context && (
        <details className="chat-context">
          <summary>The archive context it would send</summary>
          <pre className="scene-text">{turn.context}</pre>
        </details>
      )}
      <p className="engine muted small">
        engine: {turn.engine}
        {turn.usage && ` · ${turn.usage.input_tokens + turn.usage.cache_read_input_tokens + turn.usage.cache_creation_input_tokens} input tokens`}
        {cached ? `, ${cached} from cache` : ""}
        {turn.cost_usd && ` · $${turn.cost_usd}`}
        {turn.latency_ms !== null && turn.done && ` · ${(turn.latency_ms / 1000).toFixed(1)} s`}
      </p>
    </div>
  );
}

export function ChatPanel({ roomId }: { roomId: string }) {
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const sessionId = params.get("session");
  const [mode, setMode] = useState<Mode>("archivist");
  const [message, setMessage] = useState("");
  const [asking, setAsking] = useState<Asking | null>(null);
  const [open, setOpen] = useState<Citation | null>(null);

  const sessions = useQuery({ queryKey: writersKeys.sessions(roomId), queryFn: ({ signal }) => writers.sessions(roomId, signal) });
  const history = useQuery({
    queryKey: writersKeys.session(roomId, sessionId ?? ""),
    queryFn: ({ signal }) => writers.session(roomId, sessionId!, signal),
    enabled: !!sessionId,
  });
  const turn = useQuery({
    queryKey: ["writers", "turn", roomId, asking?.turn_id],
    queryFn: ({ signal }) => writers.turn(roomId, asking!.turn_id, signal),
    enabled: !!asking,
    refetchInterval: (q) => (q.state.data?.done || q.state.error ? false : TURN_POLL_MS),
  });
  const finished = turn.data?.done;
  useEffect(() => {
    if (!finished || !sessionId) return;
    void client.invalidateQueries({ queryKey: writersKeys.session(roomId, sessionId) });
    void client.invalidateQueries({ queryKey: writersKeys.sessions(roomId) });
  }, [finished, sessionId, roomId, client]);

  const ask = useMutation({
    mutationFn: (text: string) => writers.ask(roomId, mode, text, sessionId ?? undefined),
    onSuccess: (started, text) => {
      setAsking({ turn_id: started.turn_id, message: text });
      setMessage("");
      if (started.session_id !== sessionId) {
        setParams({ session: started.session_id });
        void client.invalidateQueries({ queryKey: writersKeys.sessions(roomId) });
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean = message.trim();
    if (clean && !ask.isPending) ask.mutate(clean);
  };
  const openSession = (id: string | null) => {
    setAsking(null);
    setOpen(null);
    setParams(id ? { session: id } : {});
  };
  const turns = useMemo(
    () => shownTurns(history.data?.turns ?? [], asking && { ...asking, turn: turn.data }),
    [history.data, asking, turn.data],
  );
  const streaming = !!asking && !turn.data?.done && !turn.error;

  return (
    <div className={`chat-layout${open ? " chat-with-scene" : ""}`}>
      <nav className="card chat-sessions" aria-label="Sessions">
        <button type="button" className="btn btn-block" onClick={() => openSession(null)}>New session</button>
        {sessions.error && <p className="error-text small">{sessions.error.message}</p>}
        <ul>
          {sessions.data?.items.map((s) => (
            <li key={s.session_id}>
              <button type="button" className={`link-button${s.session_id === sessionId ? " current" : ""}`}
                aria-current={s.session_id === sessionId ? "true" : undefined} onClick={() => openSession(s.session_id)}>
                {s.title}
              </button>
              <span className="muted small"> {s.turns} {s.turns === 1 ? "turn" : "turns"}</span>
            </li>
          ))}
        </ul>
      </nav>
      <section className="chat-main" aria-label="Chat">
        <div className="tabs" role="tablist" aria-label="Mode">
          {MODES.map(([value, label, hint]) => (
            <button key={value} type="button" role="tab" aria-selected={mode === value} title={hint} onClick={() => setMode(value)}>{label}</button>
          ))}
        </div>
        <p className="muted small">{MODES.find(([m]) => m === mode)![2]}.</p>
        {history.error && <ErrorState title="Cannot load this session" error={history.error} onRetry={() => void history.refetch()} />}
        <ol className="chat-turns" aria-live="polite">
          {turns.map((t) => (
            <li key={t.turn_id} className="chat-turn" data-testid="turn">
              <p className="chat-question">{t.message}</p>
              {isTurn(t) ? <Answer turn={t} onOpen={setOpen} /> : <div className="chat-answer card" aria-busy="true"><p className="muted">Thinking…</p></div>}
            </li>
          ))}
        </ol>
        {turn.error && <p className="error-text" role="alert">The reply stopped: {turn.error.message}</p>}
        <form className="chat-form" onSubmit={submit} aria-label="Ask">
          <label className="sr-only" htmlFor="chat-message">Message</label>
          <textarea id="chat-message" value={message} maxLength={8000} rows={3}
            placeholder={mode === "archivist" ? "What happened between Lena and Jonas in episode 12?" : "Draft a scene where…"}
            onChange={(e) => setMessage(e.target.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) submit(e); }} />
          {ask.error && <p className="error-text" role="alert">{ask.error.message}</p>}
          <button type="submit" className="btn btn-primary" disabled={!message.trim() || ask.isPending || streaming}>
            {ask.isPending ? "Sending…" : streaming ? "Answering…" : "Ask"}
          </button>
        </form>
      </section>
      {open && <ScenePanel roomId={roomId} citation={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
