/**
 * The asset studio (loaded on first visit, like the track page): names, artwork, batches,
 * video loops and the artistDNA they feed, each on its own URL under /studio.
 */
import { Link, Navigate, NavLink, Route, Routes } from "react-router";
import { EmptyState } from "../components/States";
import { ArtworkDetailPage } from "./ArtworkDetailPage";
import { ArtworkPage } from "./ArtworkPage";
import { BatchPage } from "./BatchPage";
import { DnaPage } from "./DnaPage";
import { NamesPage } from "./NamesPage";
import { VideoPage } from "./VideoPage";

const SECTIONS = [
  ["/studio/names", "Names"],
  ["/studio/artwork", "Artwork"],
  ["/studio/batch", "Batch"],
  ["/studio/video", "Video loop"],
  ["/studio/dna", "artistDNA"],
] as const;

export default function Studio() {
  return (
    <div className="page studio">
      <nav className="subnav" aria-label="Studio">
        {SECTIONS.map(([to, label]) => <NavLink key={to} to={to}>{label}</NavLink>)}
      </nav>
      <Routes>
        <Route index element={<Navigate to="names" replace />} />
        <Route path="names" element={<NamesPage />} />
        <Route path="artwork" element={<ArtworkPage />} />
        <Route path="artwork/:artworkId" element={<ArtworkDetailPage />} />
        <Route path="batch" element={<BatchPage />} />
        <Route path="video" element={<VideoPage />} />
        <Route path="dna" element={<DnaPage />} />
        <Route path="*" element={
          <EmptyState title="There is nothing here"><Link className="btn" to="/studio/names">Back to the studio</Link></EmptyState>
        } />
      </Routes>
    </div>
  );
}
