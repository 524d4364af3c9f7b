/** One room: its name and the caller's role, and a section per tab (chat first). */
import { Link, Navigate, NavLink, Route, Routes, useParams } from "react-router";
import { useRoom } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { BiblePanel } from "./BiblePanel";
import { ChatPanel } from "./ChatPanel";
import { DocumentsPanel } from "./DocumentsPanel";
import { MembersPanel } from "./MembersPanel";
import { MetricsPanel } from "./MetricsPanel";
import { NotesPanel } from "./NotesPanel";
import { ToolsPanel } from "./ToolsPanel";

const SECTIONS = [
  ["chat", "Chat"],
  ["documents", "Documents"],
  ["bible", "Bible"],
  ["notes", "Notes"],
  ["tools", "Creative tools"],
  ["metrics", "Metrics"],
  ["members", "Members"],
] as const;

export function RoomPage() {
  const roomId = useParams().roomId!;
  const room = useRoom(roomId);
  if (room.isPending) return <Spinner label="Loading the room" />;
  if (room.error) {
    return <ErrorState title="Cannot open this room" error={room.error} onRetry={() => void room.refetch()} />;
  }
  const { name, role, documents, episodes, bible_version: bible } = room.data;
  return (
    <>
      <header className="page-head">
        <Link className="back" to="/writers">← All rooms</Link>
        <h1>{name}</h1>
        <p className="muted">You are {role === "admin" ? "an" : "a"} <strong>{role}</strong> in this room · {documents} documents,
          {" "}{episodes} episodes · bible version {bible}</p>
      </header>
      <nav className="subnav" aria-label="Room">
        {SECTIONS.map(([to, label]) => <NavLink key={to} to={`/writers/${roomId}/${to}`}>{label}</NavLink>)}
      </nav>
      <Routes>
        <Route index element={<Navigate to="chat" replace />} />
        <Route path="chat" element={<ChatPanel roomId={roomId} />} />
        <Route path="documents" element={<DocumentsPanel roomId={roomId} dropPrefix={room.data.drop_prefix} />} />
        <Route path="bible" element={<BiblePanel roomId={roomId} />} />
        <Route path="notes" element={<NotesPanel roomId={roomId} />} />
        <Route path="tools" element={<ToolsPanel roomId={roomId} />} />
        <Route path="metrics" element={<MetricsPanel roomId={roomId} />} />
        <Route path="members" element={<MembersPanel roomId={roomId} room={room.data} />} />
        <Route path="*" element={<EmptyState title="There is nothing here" />} />
      </Routes>
    </>
  );
}
