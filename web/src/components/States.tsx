/** Loading, empty and error states, and the progress bar, used across the app. */
import type { ReactNode } from "react";

export function Spinner({ label }: { label: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function ErrorState({ title = "Something went wrong", error, onRetry }: {
  title?: string;
  error: unknown;
  onRetry?: () => void;
}) {
  return (
    <div className="state state-error" role="alert">
      <h3>{title}</h3>
      <p>{error instanceof Error ? error.message : String(error)}</p>
      {onRetry && <button type="button" className="btn" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function ProgressBar({ value, label, tone = "accent" }: {
  /** 0..100, or null while unknown */
  value: number | null;
  label: string;
  tone?: "accent" | "ok" | "error";
}) {
  return (
    <div
      className={`progress progress-${tone}${value === null ? " progress-indeterminate" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value ?? undefined}
    >
      <span style={{ width: `${value ?? 100}%` }} />
    </div>
  );
}
