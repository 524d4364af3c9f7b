/** Drop files here (audio unless told otherwise), or choose them with the keyboard. */
import { useRef, useState, type DragEvent, type ReactNode } from "react";

export const ACCEPT = "audio/*,.wav,.mp3,.flac,.m4a,.aac,.ogg,.opus,.aiff,.aif";

export function DropZone({ onFiles, children, accept = ACCEPT, title = "Drop audio files here",
  hint = "WAV, MP3, FLAC, M4A/AAC, OGG; many at once" }: {
  onFiles: (files: File[]) => void;
  children?: ReactNode;
  accept?: string;
  title?: string;
  hint?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const files = [...event.dataTransfer.files];
    if (files.length) onFiles(files);
  };
  return (
    <div
      className={`dropzone${over ? " dropzone-over" : ""}`}
      onDragOver={(event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" width="36" height="36"><path fill="currentColor" d="M12 3 7 8h3v6h4V8h3l-5-5Zm-7 14v2h14v-2H5Z" /></svg>
      <p><strong>{title}</strong> — {hint}</p>
      <button type="button" className="btn" onClick={() => input.current?.click()}>Choose files</button>
      {children}
      <input
        ref={input}
        type="file"
        multiple
        accept={accept}
        hidden
        data-testid="file-input"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = "";
          if (files.length) onFiles(files);
        }}
      />
    </div>
  );
}
