/**
 * Script uploads: a drop zone sending each file to its presigned URL, then the room's documents
 * with where each stands in the ingest workflow, and a failed one's reason (a corrupt or
 * password-protected file fails alone; the others go on).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { uploadScript, useDocuments, writersKeys, type DocumentStatus, type ScriptDocument } from "../api/writers";
import { DropZone } from "../components/DropZone";
import { EmptyState, ErrorState, Spinner } from "../components/States";

export const SCRIPT_ACCEPT = ".pdf,.docx,.fdx,.fountain,.md,.markdown,.txt";

interface Sending {
  name: string;
  state: "sending" | "sent" | "failed";
  error?: string;
}

const TONE: Record<DocumentStatus, string> = {
  queued: "badge-accent", parsing: "badge-accent", indexing: "badge-accent", indexed: "badge-ok",
  duplicate: "", superseded: "", failed: "badge-error",
};

function DocumentRow({ doc }: { doc: ScriptDocument }) {
  return (
    <tr data-testid="document">
      <td>{doc.filename} <span className="muted small">{doc.source === "drop" ? "drop folder" : ""}</span></td>
      <td className="num">{doc.episode ?? "—"}</td>
      <td className="num">{doc.version ?? "—"}</td>
      <td className="num">{doc.scenes ?? "—"}</td>
      <td>
        <span className={`badge ${TONE[doc.status]}`}>{doc.status}</span>
        {doc.duplicate_of && <span className="muted small"> same content as an earlier document</span>}
        {doc.error && <p className="error-text small" data-testid="document-error">{doc.error}</p>}
      </td>
    </tr>
  );
}

export function DocumentsPanel({ roomId, dropPrefix }: { roomId: string; dropPrefix: string }) {
  const documents = useDocuments(roomId);
  const client = useQueryClient();
  // The room's counts (documents, episodes, bible version) move with its documents.
  const changed = documents.data?.items.map((d) => `${d.document_id}:${d.status}`).join();
  useEffect(() => {
    if (changed !== undefined) void client.invalidateQueries({ queryKey: writersKeys.room(roomId) });
  }, [changed, roomId, client]);
  const [sending, setSending] = useState<Sending[]>([]);
  const update = (name: string, change: Partial<Sending>) =>
    setSending((all) => all.map((s) => (s.name === name ? { ...s, ...change } : s)));
  const send = (files: File[]) => {
    setSending((all) => [...all.filter((s) => !files.some((f) => f.name === s.name)),
      ...files.map((f) => ({ name: f.name, state: "sending" as const }))]);
    for (const file of files) {
      uploadScript(roomId, file)
        .then(() => update(file.name, { state: "sent" }))
        .catch((err: unknown) => update(file.name, { state: "failed", error: err instanceof Error ? err.message : String(err) }))
        .finally(() => void client.invalidateQueries({ queryKey: writersKeys.documents(roomId) }));
    }
  };
  return (
    <>
      <section className="card" aria-labelledby="upload-title">
        <h2 id="upload-title">Add scripts</h2>
        <DropZone onFiles={send} accept={SCRIPT_ACCEPT}
          title="Drop scripts here" hint="PDF, DOCX, Final Draft (.fdx), Fountain, Markdown, plain text; German or English" />
        {sending.length > 0 && (
          <ul className="upload-list" aria-label="Uploads">
            {sending.map((s) => (
              <li key={s.name} className={s.state === "failed" ? "upload-failed" : ""} data-testid="sending">
                <span>{s.name}</span>{" "}
                <span className="muted">{s.state === "sending" ? "uploading…" : s.state === "sent" ? "sent, ingesting" : `failed: ${s.error}`}</span>
              </li>
            ))}
          </ul>
        )}
        <p className="muted small">Files dropped into the bucket folder <code>{dropPrefix}</code> arrive here too.</p>
      </section>
      <section aria-labelledby="documents-title">
        <h2 id="documents-title">Documents</h2>
        {documents.isPending && <Spinner label="Loading the documents" />}
        {documents.error && <ErrorState title="Cannot list the documents" error={documents.error} onRetry={() => void documents.refetch()} />}
        {documents.data && documents.data.items.length === 0 && <EmptyState title="No scripts yet"><p>Drop the first episodes above.</p></EmptyState>}
        {documents.data && documents.data.items.length > 0 && (
          <div className="table-scroll">
            <table className="data-table" aria-label="Documents">
              <thead><tr><th>File</th><th className="num">Episode</th><th className="num">Version</th><th className="num">Scenes</th><th>Status</th></tr></thead>
              <tbody>{documents.data.items.map((d) => <DocumentRow key={d.document_id} doc={d} />)}</tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
