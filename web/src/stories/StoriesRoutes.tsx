/**
 * The stories room (loaded on first visit): a new album's stories and collages, the albums
 * made so far, and the listener collage, each on its own URL under /stories (docs/stories.md).
 */
import { Link, Navigate, NavLink, Route, Routes } from "react-router";
import { EmptyState } from "../components/States";
import { AlbumForm } from "./AlbumForm";
import { AlbumsPage } from "./AlbumPage";
import { ListenerPage } from "./ListenerPage";
import "./stories.css";

const SECTIONS = [
  ["/stories/new", "New album"],
  ["/stories/albums", "Albums"],
  ["/stories/listener", "Listener collage"],
] as const;

export default function Stories() {
  return (
    <div className="page stories">
      <nav className="subnav" aria-label="Stories">
        {SECTIONS.map(([to, label]) => <NavLink key={to} to={to}>{label}</NavLink>)}
      </nav>
      <Routes>
        <Route index element={<Navigate to="new" replace />} />
        <Route path="new" element={<AlbumForm />} />
        <Route path="albums" element={<AlbumsPage />} />
        <Route path="albums/:albumId" element={<AlbumsPage />} />
        <Route path="listener" element={<ListenerPage />} />
        <Route path="*" element={
          <EmptyState title="There is nothing here"><Link className="btn" to="/stories/new">Back to stories</Link></EmptyState>
        } />
      </Routes>
    </div>
  );
}
