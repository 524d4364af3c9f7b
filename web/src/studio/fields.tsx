/** Form pieces the studio's briefs share: labelled fields with their errors, chips, pickers. */
import { useId, useState, type InputHTMLAttributes, type KeyboardEvent, type ReactNode } from "react";
import { ApiError } from "../api/client";
import { useTracks } from "../api/hooks";

export const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

export const GENRES = [
  "ambient", "blues", "classical", "country", "drum and bass", "edm", "folk", "hip hop", "house", "indie",
  "jazz", "lo-fi", "metal", "pop", "r&b", "reggae", "rock", "soul", "synthwave", "techno", "trap",
];
export const MOODS = [
  "calm", "chill", "dark", "dreamy", "energetic", "epic", "euphoric", "happy", "hopeful", "melancholic",
  "mysterious", "nostalgic", "romantic", "uplifting",
];

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value">;

/** A labelled input; its error is announced and tied to it (`aria-describedby`). */
export function TextField({ label, value, onChange, error, hint, options, ...input }: InputProps & {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  hint?: ReactNode;
  /** suggestions offered in a datalist */
  options?: string[];
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined}
        aria-describedby={described} list={options ? `${id}-options` : undefined} {...input} />
      {options && <datalist id={`${id}-options`}>{options.map((o) => <option key={o} value={o} />)}</datalist>}
      {hint && <span id={`${id}-hint`} className="muted small">{hint}</span>}
      {error && <span id={`${id}-error`} className="error-text small">{error}</span>}
    </div>
  );
}

export interface BriefBasics {
  artist_name: string;
  genre: string;
  mood: string;
}

const BRIEF_KEY = "soundmosaic.studio.brief";

/** Artist, genre and mood, remembered in this browser from one brief to the next. */
export function useRememberedBrief(): [BriefBasics, (change: Partial<BriefBasics>) => void] {
  const [brief, setBrief] = useState<BriefBasics>(() => {
    try {
      return { artist_name: "", genre: "", mood: "", ...JSON.parse(localStorage.getItem(BRIEF_KEY) ?? "{}") };
    } catch {
      return { artist_name: "", genre: "", mood: "" };
    }
  });
  const update = (change: Partial<BriefBasics>) => setBrief((current) => {
    const next = { ...current, ...change };
    localStorage.setItem(BRIEF_KEY, JSON.stringify(next));
    return next;
  });
  return [brief, update];
}

export type Errors<K extends string> = Partial<Record<K, string>>;

/** The API's bounds on a brief (soundmosaic/studio/briefs.py). */
export const MAX_NAME = 120;
export const MAX_WORD = 60;

/** Only the artist is required; genre and mood sharpen the results. */
export function checkBasics(brief: BriefBasics): Errors<keyof BriefBasics> {
  return brief.artist_name.trim() ? {} : { artist_name: "Say whose release this is." };
}

export function BriefFields({ brief, onChange, errors }: {
  brief: BriefBasics;
  onChange: (change: Partial<BriefBasics>) => void;
  errors: Errors<keyof BriefBasics>;
}) {
  return (
    <div className="field-row">
      <TextField label="Artist name" value={brief.artist_name} onChange={(artist_name) => onChange({ artist_name })}
        error={errors.artist_name} maxLength={MAX_NAME} autoComplete="off" />
      <TextField label="Genre" value={brief.genre} onChange={(genre) => onChange({ genre })} error={errors.genre}
        options={GENRES} maxLength={MAX_WORD} />
      <TextField label="Mood" value={brief.mood} onChange={(mood) => onChange({ mood })} error={errors.mood}
        options={MOODS} maxLength={MAX_WORD} />
    </div>
  );
}

export const splitList = (text: string) => text.split(/[,\n]/).map((t) => t.trim()).filter(Boolean);

/**
 * A list of short texts as chips: type and press Enter or a comma to add (a pasted
 * "a, b, c" adds three), Backspace in the empty box removes the last, each chip has a remove
 * button.
 */
export function ChipsInput({ label, values, onChange, placeholder, hint, max = 10, maxLength = MAX_WORD }: {
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  hint?: string;
  /** most chips */
  max?: number;
  /** longest chip */
  maxLength?: number;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const add = (raw: string) => {
    const fresh = splitList(raw).map((v) => v.slice(0, maxLength))
      .filter((v, i, all) => all.indexOf(v) === i && !values.some((x) => x.toLowerCase() === v.toLowerCase()));
    if (fresh.length) onChange([...values, ...fresh].slice(0, max));
    setText("");
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add(text);
    } else if (event.key === "Backspace" && !text && values.length) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="chips">
        {values.length > 0 && (
          <ul className="chip-list" aria-label={`Chosen ${label.toLowerCase()}`}>
            {values.map((value) => (
              <li key={value} className="chip">
                <span>{value}</span>
                <button type="button" className="chip-remove" aria-label={`Remove ${value}`}
                  onClick={() => onChange(values.filter((v) => v !== value))}>×</button>
              </li>
            ))}
          </ul>
        )}
        <input id={id} value={text} placeholder={values.length >= max ? "" : placeholder} disabled={values.length >= max}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(e) => (e.target.value.includes(",") ? add(e.target.value) : setText(e.target.value))}
          onKeyDown={onKey} onBlur={() => text.trim() && add(text)} />
      </div>
      {hint && <span id={`${id}-hint`} className="muted small">{hint}</span>}
    </div>
  );
}

/** An optional track from the library (its first page, newest first). */
export function TrackPicker({ value, onChange, label = "Track from your library", hint }: {
  value: string;
  onChange: (trackId: string) => void;
  label?: string;
  hint?: string;
}) {
  const id = useId();
  const tracks = useTracks({});
  const items = tracks.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="field">
      <label htmlFor={id}>{label} <span className="muted">(optional)</span></label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={hint ? `${id}-hint` : undefined}>
        <option value="">{tracks.isLoading ? "Loading tracks…" : "No track"}</option>
        {items.map((t) => (
          <option key={t.track_id} value={t.track_id}>{t.title}{t.artist_name ? ` — ${t.artist_name}` : ""}</option>
        ))}
      </select>
      {hint && <span id={`${id}-hint`} className="muted small">{hint}</span>}
      {tracks.error && <span className="error-text small">The library could not be loaded: {tracks.error.message}</span>}
    </div>
  );
}

/** Which engine made something; the offline engine says so plainly. */
export function EngineBadge({ engine, offline }: { engine?: string | null; offline: boolean }) {
  return (
    <span className="engine">
      {engine && <span className="badge" title="Engine">{engine}</span>}
      {offline && (
        <span className="badge badge-warn" title="No model key is configured: the built-in offline engine made this">
          offline engine
        </span>
      )}
    </span>
  );
}

/** A number input bounded to [min, max]; an empty box is allowed while typing. */
export function CountField({ label, value, onChange, min, max, error }: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  min: number;
  max: number;
  error?: string | null;
}) {
  return (
    <TextField label={label} type="number" inputMode="numeric" min={min} max={max} value={value} onChange={onChange}
      error={error} className="input-narrow" />
  );
}

export function checkCount(text: string, min: number, max: number): string | undefined {
  const n = Number(text);
  if (!text.trim() || !Number.isInteger(n) || n < min || n > max) return `A whole number from ${min} to ${max}.`;
  return undefined;
}
