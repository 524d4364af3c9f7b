/**
 * Reference images for an artwork brief: each goes straight to S3 through a presigned PUT
 * (`POST /studio/references`); the brief then names them by key, and the vision model describes
 * them into the prompt.
 */
import { useEffect, useId, useRef, useState } from "react";
import { uploadReference } from "../api/studio";
import { formatBytes } from "../lib/format";

export const MAX_REFERENCES = 4;
export const MAX_REFERENCE_BYTES = 20 * 1024 * 1024;
const TYPES = ["image/png", "image/jpeg", "image/webp"];

export interface Reference {
  id: string;
  name: string;
  size: number;
  preview: string;
  status: "uploading" | "ready" | "failed";
  key?: string;
  error?: string;
}

let counter = 0;

/** The references and their upload state; `keys` are the uploaded ones. */
export function useReferences() {
  const [items, setItems] = useState<Reference[]>([]);
  const previews = useRef(new Set<string>());
  useEffect(() => () => previews.current.forEach((url) => URL.revokeObjectURL(url)), []);
  const patch = (id: string, change: Partial<Reference>) =>
    setItems((current) => current.map((r) => (r.id === id ? { ...r, ...change } : r)));
  const add = (files: File[]) => {
    const room = MAX_REFERENCES - items.length;
    for (const file of files.slice(0, Math.max(0, room))) {
      const id = `ref-${++counter}`;
      const preview = URL.createObjectURL(file);
      previews.current.add(preview);
      const refused = !TYPES.includes(file.type)
        ? "Not a PNG, JPEG or WebP image."
        : file.size > MAX_REFERENCE_BYTES ? `Larger than ${formatBytes(MAX_REFERENCE_BYTES)}.` : null;
      setItems((current) => [...current, {
        id, name: file.name, size: file.size, preview, status: refused ? "failed" : "uploading", error: refused ?? undefined,
      }]);
      if (refused) continue;
      uploadReference(file).then(
        (key) => patch(id, { status: "ready", key }),
        (err: Error) => patch(id, { status: "failed", error: err.message }),
      );
    }
  };
  const remove = (id: string) => setItems((current) => current.filter((r) => r.id !== id));
  const clear = () => setItems([]);
  return {
    items, add, remove, clear,
    keys: items.filter((r) => r.status === "ready").map((r) => r.key!),
    busy: items.some((r) => r.status === "uploading"),
  };
}

export function ReferencePicker({ refs }: { refs: ReturnType<typeof useReferences> }) {
  const id = useId();
  const full = refs.items.length >= MAX_REFERENCES;
  return (
    <div className="field">
      <label htmlFor={id}>Reference images <span className="muted">(optional, up to {MAX_REFERENCES})</span></label>
      <input id={id} type="file" accept={TYPES.join(",")} multiple disabled={full} data-testid="reference-input"
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = "";
          refs.add(files);
        }} />
      <span id={`${id}-hint`} className="muted small">
        Their colours, light and composition are described into the prompt. PNG, JPEG or WebP, {formatBytes(MAX_REFERENCE_BYTES)} at most.
      </span>
      {refs.items.length > 0 && (
        <ul className="references" aria-label="Reference images" aria-live="polite">
          {refs.items.map((r) => (
            <li key={r.id} className={`reference reference-${r.status}`}>
              <img src={r.preview} alt="" width={56} height={56} />
              <span className="reference-name">{r.name}</span>
              <span className="small muted">
                {r.status === "uploading" && "Uploading…"}
                {r.status === "ready" && "Uploaded"}
              </span>
              {r.error && <span className="error-text small">{r.error}</span>}
              <button type="button" className="btn btn-ghost btn-small" onClick={() => refs.remove(r.id)}
                aria-label={`Remove ${r.name}`}>Remove</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
