/** The booth's pages (docs/booth.md): kiosk, operator queue, organiser. The participant's own
 * page (`/booth/p/:code`) is outside the signed-in shell: see App.tsx. */
import { NavLink, Route, Routes } from "react-router";
import { boothRole } from "../api/booth";
import KioskPage from "./KioskPage";
import OrganiserPage from "./OrganiserPage";
import QueuePage from "./QueuePage";

export default function BoothRoutes() {
  const { role } = boothRole();
  return (
    <div>
      <nav aria-label="Booth" className="subnav">
        <NavLink to="/booth" end>Kiosk</NavLink>
        <NavLink to="/booth/queue">Queue</NavLink>
        {role === "organiser" && <NavLink to="/booth/organise">Organise</NavLink>}
      </nav>
      {role === null && <p role="alert">The booth needs an organiser or operator account.</p>}
      <Routes>
        <Route index element={<KioskPage />} />
        <Route path="queue" element={<QueuePage />} />
        <Route path="organise" element={<OrganiserPage />} />
      </Routes>
    </div>
  );
}
