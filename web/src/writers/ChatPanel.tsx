/**
 * The chat: archivist (answers from the archive with citations, or says it is not there) or
 * creative partner. A question starts a turn; the reply grows while the model writes, read by
 * polling the turn (API Gateway's HTTP API cannot stream a Lambda's reply). Citations open the
 * scene beside the chat. Each session's history comes from the API; the list of the user's
 * sessions in this room is kept in this browser.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { TURN_POLL_MS, writers, writersKeys, type Citation, type Mode } from "../api/writers";
import { useSession } from "../auth/session";
import { ErrorState } from "../components/States";
import { loadSessions, rememberSession, shownTurns, titleOf, type SessionRef } from "./chat";
import { CitationChips, ScenePanel } from "./ScenePanel";

const MODES: [Mode, string, string][] = [
  ["archivist", "Archivist", "answers only from the archive, with episode and scene"],
  ["creative", "Creative partner", "may invent, and flags contradictions with the archive"],
];

export function ChatPanel({ roomId }: { roomId: string }) {
  const user = useSession()?.name ?? "me";
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const sessionId = params.get("session");
  const [mode, setMode] = useState<Mode>("archivist");
  const [message, setMessage] = useState("");
  const [sessions, setSessions] = useState<SessionRef[]>(() => loadSessions(user, roomId));
  const [active, setActive] = useState<{ turn_id: string; message: string } | null>(null);
  const [open, setOpen] = useState<Citation | null>(null);

  const history = useQuery({
    queryKey: writersKeys.session(roomId, sessionId ?? ""),
    queryFn: ({ signal }) => writers.session(roomId, sessionId!, signal),
    enabled: !!sessionId,
  });
  const turn = useQuery({
    queryKey: ["writers", "turn", roomId, active?.turn_id],
    queryFn: ({ signal }) => writers.turn(roomId, active!.turn_id, signal),
    enabled: !!active,
    refetchInterval: (q) => (q.state.data?.done || q.state.error ? false : TURN_POLL_MS),
  });
  const finished = turn.data?.done;
  useEffect(() => {
    if (finished && sessionId) void client.invalidateQueries({ queryKey: writersKeys.session(roomId, sessionId) });
  }, [finished, sessionId, roomId, client]);

  const ask = useMutation({
    mutationFn: (text: string) => writers.ask(roomId, mode, text, sessionId ?? undefined),
    onSuccess: (started, text) => {
      setActive({ turn_id: started.turn_id, message: text });
      setMessage("");
      if (!sessionId) {
        setSessions(rememberSession(user, roomId, { session_id: started.session_id, title: titleOf(text), mode, at: new Date().toISOString() }));
        setParams({ session: started.session_id });
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean = message.trim();
    if (clean && !ask.isPending) ask.mutate(clean);
  };
  const openSession = (id: string | null) => {
    setActive(null);
    setOpen(null);
    setParams(id ? { session: id } : {});
  };
  const turns = useMemo(
    () => shownTurns(history.data?.turns ?? [], active && { ...active, turn: turn.data }),
    [history.data, active, turn.data],
  );
  const streaming = !!active && !turn.data?.done && !turn.error;

  return (
    <div className={`chat-layout${open ? " chat-with-scene" : ""}`}>
      <nav className="card chat-sessions" aria-label="Sessions">
        <button type="button" className="btn btn-block" onClick={() => openSession(null)}>New session</button>
        <ul>
          {sessions.map((s) => (
            <li key={s.session_id}>
              <button type="button" className={`link-button${s.session_id === sessionId ? " current" : ""}`}
                aria-current={s.session_id === sessionId ? "true" : undefined} onClick={() => openSession(s.session_id)}>
                {s.title}
              </button>
              <span className="muted small"> {s.mode === "creative" ? "creative" : "archivist"}</span>
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
              <div className="chat-answer card" aria-busy={!t.done}>
                {t.text ? <p className="chat-text" data-testid="answer">{t.text}</p> : !t.done && <p className="muted">Thinking…</p>}
                {!t.done && t.text && <span className="chat-cursor" aria-hidden="true">▍</span>}
                {t.error && <p className="error-text" role="alert">{t.error}</p>}
                <CitationChips citations={t.citations} onOpen={setOpen} />
                {t.engine && <p className="engine muted small">engine: {t.engine}</p>}
              </div>
            </li>
          ))}
        </ol>
        {turn.error && <p className="error-text" role="alert">The reply stopped: {turn.error.message}</p>}
        <form className="chat-form" onSubmit={submit} aria-label="Ask">
          <label className="sr-only" htmlFor="chat-message">Message</label>
          <textarea id="chat-message" value={message} maxLength={4000} rows={3}
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
