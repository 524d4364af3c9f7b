/** AlbumDreamer (loaded on first visit): the album projects and one album's plan, progress and site. */
import { Link, Route, Routes } from "react-router";
import { EmptyState } from "../../components/States";
import { AlbumPage } from "./AlbumPage";
import "./albums.css";
import { AlbumsPage } from "./AlbumsPage";

export default function Albums() {
  return (
    <div className="page albums-page">
      <Routes>
        <Route index element={<AlbumsPage />} />
        <Route path=":albumId" element={<AlbumPage />} />
        <Route path="*" element={
          <EmptyState title="There is nothing here"><Link className="btn" to="/albums">Back to the albums</Link></EmptyState>
        } />
      </Routes>
    </div>
  );
}
