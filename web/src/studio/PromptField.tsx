/** The artwork prompt, with suggestions that follow what is typed (see suggest.ts). */
import { useId, useMemo, useRef } from "react";
import type { DnaStyle } from "../api/studio";
import { useDebounced } from "../lib/useDebounced";
import { applySuggestion, suggest } from "./suggest";

const SOURCE_LABEL = { artistDNA: "from your artistDNA", genre: "for the genre", mood: "for the mood", cover: "cover craft" };

export function PromptField({ value, onChange, genre, mood, style, error, label = "Prompt" }: {
  value: string;
  onChange: (value: string) => void;
  genre: string;
  mood: string;
  style?: DnaStyle | null;
  error?: string | null;
  label?: string;
}) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  // follows typing closely, but not on every key of a fast typist
  const typed = useDebounced(value, 120);
  const suggestions = useMemo(() => suggest({ prompt: typed, genre, mood, style }), [typed, genre, mood, style]);
  const take = (index: number) => {
    const chosen = suggestions[index];
    if (!chosen) return;
    onChange(applySuggestion(value, chosen));
    area.current?.focus();
  };
  return (
    <div className={`field prompt-field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} ref={area} className="prompt-input" rows={3} value={value} maxLength={1000}
        onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-help${error ? ` ${id}-error` : ""}`}
        placeholder="A lone figure on a neon-lit rooftop above the city, rain, reflections" />
      {error && <span id={`${id}-error`} className="error-text small">{error}</span>}
      <span id={`${id}-help`} className="muted small">
        Suggestions follow your genre, mood and artistDNA style; click one to add it (it completes the word you are typing).
      </span>
      {suggestions.length > 0 && (
        <ul className="suggestions" aria-label="Prompt suggestions" data-testid="prompt-suggestions">
          {suggestions.map((s, i) => (
            <li key={s.text}>
              <button type="button" className={`suggestion suggestion-${s.source}`} onClick={() => take(i)}
                title={SOURCE_LABEL[s.source]} aria-label={`${s.text} (${SOURCE_LABEL[s.source]})`}>
                <span aria-hidden="true">{s.completes ? "→ " : "+ "}</span>{s.text}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
