/**
 * The pipeline an answer ran, as JSON the planner can edit and run again (`POST /sieb/run`).
 * The text is parsed here only to catch typos early (not JSON, not a list of stages); what may
 * run is the API validator's decision, and its refusal is shown as it words it.
 */
import { useEffect, useState } from "react";
import type { Stage } from "../api/sieb";

/** The text as a pipeline, or the reason it is not one. */
export function parsePipeline(text: string): { pipeline: Stage[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!Array.isArray(value)) return { error: "A pipeline is a JSON list of stages: [ {\"$match\": …}, … ]" };
  const bad = value.findIndex((s) => !s || typeof s !== "object" || Array.isArray(s) || Object.keys(s).length !== 1);
  if (bad >= 0) return { error: `Stage ${bad + 1} must be an object with exactly one operator, such as {"$match": {…}}` };
  return { pipeline: value as Stage[] };
}

export function PipelineEditor({ pipeline, collection, busy, error, onRun }: {
  pipeline: Stage[];
  collection: string;
  busy: boolean;
  error: string | null;
  onRun: (pipeline: Stage[]) => void;
}) {
  const shown = JSON.stringify(pipeline, null, 2);
  const [text, setText] = useState(shown);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText(shown);
    setProblem(null);
  }, [shown]);
  const run = () => {
    const parsed = parsePipeline(text);
    if ("error" in parsed) {
      setProblem(parsed.error);
      return;
    }
    setProblem(null);
    onRun(parsed.pipeline);
  };
  return (
    <details className="sieb-pipeline">
      <summary>Pipeline on <code>{collection}</code> ({pipeline.length} {pipeline.length === 1 ? "stage" : "stages"})</summary>
      <label className="sieb-pipeline-label">Pipeline (JSON, editable)
        <textarea value={text} onChange={(e) => setText(e.target.value)} spellCheck={false}
          rows={Math.min(24, Math.max(6, text.split("\n").length))} maxLength={20000} />
      </label>
      {(problem ?? error) && <p className="error-text" role="alert">{problem ?? error}</p>}
      <div className="form-actions">
        <button type="button" className="btn btn-small" onClick={() => { setText(shown); setProblem(null); }}
          disabled={busy || text === shown}>Reset</button>
        <button type="button" className="btn btn-primary btn-small" onClick={run} disabled={busy}>
          {busy ? "Running…" : "Run pipeline"}
        </button>
      </div>
    </details>
  );
}
