/**
 * Sieb (its own chunk): ask stock and supply-chain data in plain language. Each question goes
 * to `POST /sieb/ask` with the conversation's id, so "only in Berlin" refines the question
 * before it; each answer shows as a table, its pipeline and, on demand, a point cloud.
 * docs/sieb-web.md describes the page.
 */
import { useRef, useState, type FormEvent } from "react";
import { sieb } from "../api/sieb";
import "../generation/generation.css";
import { AnswerView, TABLE_PAGE, type Turn } from "./AnswerView";
import { QUESTION_MAX } from "./mapping";
import "./sieb.css";

const EXAMPLES = [
  "which SKUs from slow suppliers are below reorder point in Hamburg?",
  "stock value by category",
  "top 10 products by days of cover",
];

export default function SiebPage() {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [conversation, setConversation] = useState<string | null>(null);
  const [question, setQuestion] = useState("");
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const nextId = useRef(1);

  const ask = async (text: string) => {
    const clean = text.trim();
    if (!clean || pending) return;
    setPending(clean);
    setError(null);
    try {
      const answer = await sieb.ask({ question: clean, conversation_id: conversation ?? undefined, limit: TABLE_PAGE });
      if (answer.conversation_id) setConversation(answer.conversation_id);
      setTurns((t) => [...t, { id: nextId.current++, question: clean, answer }]);
      setQuestion("");
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setPending(null);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void ask(question);
  };
  const restart = () => {
    setTurns([]);
    setConversation(null);
    setError(null);
  };

  return (
    <div className="page gen-page sieb-page">
      <header className="page-head">
        <h1>Sieb</h1>
        <p className="muted">Ask your stock and supply-chain data in plain language. Follow-up questions refine the one before
          (&ldquo;only in Berlin&rdquo;, &ldquo;and their suppliers?&rdquo;).</p>
      </header>
      <ol className="sieb-chat" aria-label="Conversation" aria-live="polite">
        {turns.map((turn) => (
          <li key={turn.id} className="sieb-turn">
            <p className="sieb-question" data-testid="sieb-question">{turn.question}</p>
            <AnswerView turn={turn} onAsk={(q) => void ask(q)} busy={Boolean(pending)} />
          </li>
        ))}
        {pending && <li className="sieb-turn"><p className="sieb-question">{pending}</p><p className="muted" role="status">Thinking…</p></li>}
      </ol>
      {!turns.length && !pending && (
        <div className="sieb-examples">
          <p className="muted">For example:</p>
          <ul className="sieb-suggestions">
            {EXAMPLES.map((e) => <li key={e}><button type="button" className="btn btn-small" onClick={() => void ask(e)}>{e}</button></li>)}
          </ul>
        </div>
      )}
      <form className="card form sieb-ask" onSubmit={submit} aria-label="Ask a question">
        <label>{turns.length ? "Ask a follow-up or a new question" : "Your question"}
          <textarea value={question} onChange={(e) => setQuestion(e.target.value)} maxLength={QUESTION_MAX} rows={2}
            onKeyDown={(e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); void ask(question); } }}
            placeholder="which SKUs from slow suppliers are below reorder point in Hamburg?" />
        </label>
        {error && <p className="error-text" role="alert">{error}</p>}
        <div className="form-actions">
          {turns.length > 0 && <button type="button" className="btn btn-ghost" onClick={restart} disabled={Boolean(pending)}>New conversation</button>}
          <button type="submit" className="btn btn-primary" disabled={!question.trim() || Boolean(pending)}>{pending ? "Asking…" : "Ask"}</button>
        </div>
      </form>
    </div>
  );
}
