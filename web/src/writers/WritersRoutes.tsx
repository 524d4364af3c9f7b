/**
 * The writers' room (loaded on first visit, like the studio): the caller's rooms, and one room's
 * chat, documents, bible, notes, creative tools, metrics and members, each on its own URL.
 */
import { Link, Route, Routes } from "react-router";
import { EmptyState } from "../components/States";
import "../generation/generation.css";
import { RoomPage } from "./RoomPage";
import { RoomsPage } from "./RoomsPage";
import "./writers.css";

export default function Writers() {
  return (
    <div className="page gen-page writers-page">
      <Routes>
        <Route index element={<RoomsPage />} />
        <Route path=":roomId/*" element={<RoomPage />} />
        <Route path="*" element={
          <EmptyState title="There is nothing here"><Link className="btn" to="/writers">Back to the rooms</Link></EmptyState>
        } />
      </Routes>
    </div>
  );
}
