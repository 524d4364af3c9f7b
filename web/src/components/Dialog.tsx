/**
 * Modal dialogs on the native <dialog> element: focus moves in and back, Escape closes,
 * the page behind is inert.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { Track, TrackEdit } from "../api/model";

function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" onCancel={(e) => {
      e.preventDefault();
      onClose();
    }}>
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}

export function ConfirmDialog({ title, children, confirm, busy, error, onConfirm, onClose }: {
  title: string;
  children: ReactNode;
  confirm: string;
  busy?: boolean;
  error?: Error | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal title={title} onClose={onClose}>
      <div className="dialog-body">{children}</div>
      {error && <p className="error-text" role="alert">{error.message}</p>}
      <div className="dialog-actions">
        <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>Cancel</button>
        <button type="button" className="btn btn-danger" onClick={onConfirm} disabled={busy}>
          {busy ? "Working…" : confirm}
        </button>
      </div>
    </Modal>
  );
}

export const parseTags = (text: string) => [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];

export function EditTrackDialog({ track, busy, error, onSave, onClose }: {
  track: Track;
  busy?: boolean;
  error?: Error | null;
  onSave: (edit: TrackEdit) => void;
  onClose: () => void;
}) {
  const [title, setTitle] = useState(track.title);
  const [artist, setArtist] = useState(track.artist_name ?? "");
  const [tags, setTags] = useState(track.tags.join(", "));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSave({ title: title.trim(), artist_name: artist.trim(), tags: parseTags(tags) });
  };
  return (
    <Modal title="Edit track" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>Title<input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} autoFocus /></label>
        <label>Artist<input value={artist} onChange={(e) => setArtist(e.target.value)} maxLength={300} /></label>
        <label>Tags <span className="muted">(comma-separated)</span>
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="demo, synthwave, 2024" />
        </label>
        {error && <p className="error-text" role="alert">{error.message}</p>}
        <div className="dialog-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn btn-primary" disabled={busy || !title.trim()}>{busy ? "Saving…" : "Save"}</button>
        </div>
      </form>
    </Modal>
  );
}
