import { Link } from "react-router";
import { EmptyState } from "../components/States";

export function NotFound() {
  return (
    <div className="page">
      <EmptyState title="There is nothing here">
        <Link className="btn" to="/">Back to the library</Link>
      </EmptyState>
    </div>
  );
}
