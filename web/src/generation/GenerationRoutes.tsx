/**
 * Song generation (loaded on first visit, like the studio): the projects, and one project's
 * ten reference songs, takes and publication; and the royalty admins' rights form.
 */
import { Link, Route, Routes } from "react-router";
import { EmptyState } from "../components/States";
import "./generation.css";
import { ProjectPage } from "./ProjectPage";
import { ProjectsPage } from "./ProjectsPage";
import { RightsPage } from "./RightsPage";

export default function Generation() {
  return (
    <div className="page gen-page">
      <Routes>
        <Route index element={<ProjectsPage />} />
        <Route path="rights" element={<RightsPage />} />
        <Route path=":projectId" element={<ProjectPage />} />
        <Route path="*" element={
          <EmptyState title="There is nothing here"><Link className="btn" to="/generation">Back to the projects</Link></EmptyState>
        } />
      </Routes>
    </div>
  );
}
