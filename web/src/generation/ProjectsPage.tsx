/** The artist's generation projects: a counter per project and a form to start a new one. */
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useCreateProject, useProjects } from "../api/generation";
import { EmptyState, ErrorState, Spinner } from "../components/States";

export function ProjectsPage() {
  const projects = useProjects();
  const create = useCreateProject();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean = name.trim();
    if (!clean) return;
    create.mutate(clean, { onSuccess: (project) => navigate(`/generation/${project.project_id}`) });
  };
  return (
    <>
      <header className="page-head">
        <h1>Song generation</h1>
        <p className="muted">Pick ten reference songs, match each to the catalog, generate takes, keep one and publish it.
          Its royalties go 67 % to the ten songs&apos; rights holders and 33 % to the training catalog&apos;s.</p>
      </header>
      <form className="card form" onSubmit={submit} aria-label="Create a project">
        <label>New project
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={120} placeholder="Summer single" />
        </label>
        {create.error && <p className="error-text" role="alert">{create.error.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || create.isPending}>
            {create.isPending ? "Creating…" : "Create project"}
          </button>
        </div>
      </form>
      <section aria-labelledby="projects-title">
        <h2 id="projects-title">Projects</h2>
        {projects.isPending && <Spinner label="Loading projects" />}
        {projects.error && <ErrorState title="Cannot load the projects" error={projects.error} onRetry={() => void projects.refetch()} />}
        {projects.data && projects.data.items.length === 0 && (
          <EmptyState title="No projects yet"><p>Create one above to start from ten songs.</p></EmptyState>
        )}
        {projects.data && projects.data.items.length > 0 && (
          <ul className="gen-list">
            {projects.data.items.map((p) => (
              <li key={p.project_id} className="card" data-testid="project">
                <Link to={`/generation/${p.project_id}`}><strong>{p.name}</strong></Link>
                <span className="muted">
                  {p.song_count} of 10 songs · {p.matched_count} matched · {p.take_count} {p.take_count === 1 ? "take" : "takes"}
                </span>
                {p.kept_take_id && <span className="badge badge-ok">a take kept</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
