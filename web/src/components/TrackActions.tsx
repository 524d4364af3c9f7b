/** Edit and delete a track, each behind its dialog. */
import { useState } from "react";
import { useDeleteTrack, useEditTrack } from "../api/hooks";
import type { Track } from "../api/model";
import { ConfirmDialog, EditTrackDialog } from "./Dialog";

export function EditButton({ track, className = "btn btn-small" }: { track: Track; className?: string }) {
  const [open, setOpen] = useState(false);
  const edit = useEditTrack();
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} aria-label={`Edit ${track.title}`}>Edit</button>
      {open && (
        <EditTrackDialog
          track={track}
          busy={edit.isPending}
          error={edit.error}
          onClose={() => setOpen(false)}
          onSave={(change) => edit.mutate({ trackId: track.track_id, edit: change }, { onSuccess: () => setOpen(false) })}
        />
      )}
    </>
  );
}

export function DeleteButton({ track, onDeleted, className = "btn btn-small btn-ghost" }: {
  track: Track;
  onDeleted?: () => void;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const remove = useDeleteTrack();
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} aria-label={`Delete ${track.title}`}>Delete</button>
      {open && (
        <ConfirmDialog
          title={`Delete “${track.title}”?`}
          confirm="Delete for good"
          busy={remove.isPending}
          error={remove.error}
          onClose={() => setOpen(false)}
          onConfirm={() => remove.mutate(track.track_id, {
            onSuccess: () => {
              setOpen(false);
              onDeleted?.();
            },
          })}
        >
          <p>The original, its stems, MIDI, lyrics, samples and exports are deleted. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
