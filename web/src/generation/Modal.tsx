/**
 * A modal on the native <dialog> element for the generation pages (the app's own Modal is
 * private to components/Dialog.tsx): focus moves in and back, Escape closes.
 */
import { useEffect, useId, useRef, type ReactNode } from "react";

export function Modal({ title, onClose, wide = false, children }: {
  title: string;
  onClose: () => void;
  wide?: boolean;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
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
    <dialog ref={ref} className={`dialog${wide ? " dialog-wide" : ""}`} aria-labelledby={titleId} onCancel={(e) => {
      e.preventDefault();
      onClose();
    }}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
