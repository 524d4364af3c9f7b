/**
 * Generate a take: seed (random unless set), length, how much the ten songs lean on the
 * result (55–95 %), each song's weight (equal unless set), a prompt. Refused with the
 * project's reason until ten songs are matched.
 */
import { useState, type FormEvent } from "react";
import { useGenerate, type ProjectDetail } from "../api/generation";
import { influenceOf, randomSeed } from "./shares";

export const SECONDS = { min: 10, max: 120, default: 30 };
export const INFLUENCE = { min: 55, max: 95, default: 85 };

export function GeneratePanel({ detail }: { detail: ProjectDetail }) {
  const projectId = detail.project.project_id;
  const generate = useGenerate(projectId);
  const [seed, setSeed] = useState(() => String(randomSeed()));
  const [seconds, setSeconds] = useState(String(SECONDS.default));
  const [influence, setInfluence] = useState(INFLUENCE.default);
  const [prompt, setPrompt] = useState("");
  const [weights, setWeights] = useState<Record<string, string>>({});
  const weightOk = (w: string) => /^\d{1,4}$/.test(w.trim()) && Number(w) <= 1000;
  const chosen = Object.fromEntries(Object.entries(weights).filter(([, w]) => w.trim() !== "" && w.trim() !== "1"));
  const weightsOk = Object.values(weights).every((w) => w.trim() === "" || weightOk(w))
    && detail.songs.some((s) => (weights[s.song_id] ?? "1").trim() !== "0");
  const seedOk = /^\d{1,10}$/.test(seed.trim()) && Number(seed) < 2 ** 31;
  const secondsValue = Number(seconds);
  const secondsOk = seconds.trim() !== "" && Number.isFinite(secondsValue) && secondsValue >= SECONDS.min && secondsValue <= SECONDS.max;
  const generating = detail.takes.some((t) => t.status === "generating");
  const reason = !detail.ready ? detail.refusal ?? "The project is not ready yet." : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason || !seedOk || !secondsOk || !weightsOk) return;
    const body = { seed: Number(seed), seconds: secondsValue, influence: influenceOf(influence), prompt: prompt.trim() };
    generate.mutate(
      Object.keys(chosen).length ? { ...body, weights: chosen } : body,
      { onSuccess: () => setSeed(String(randomSeed())) },  // the next take differs unless the seed is set again
    );
  };

  return (
    <section className="card" aria-labelledby="generate-title">
      <h2 id="generate-title">Generate</h2>
      <form className="form" onSubmit={submit} noValidate>
        <div className="field-row">
          <div className="field">
            <label htmlFor="gen-seed">Seed</label>
            <div className="slider-row">
              <input id="gen-seed" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)}
                aria-invalid={!seedOk} aria-describedby="gen-seed-help" />
              <button type="button" className="btn btn-small" onClick={() => setSeed(String(randomSeed()))}>Random</button>
            </div>
            <p id="gen-seed-help" className={seedOk ? "muted small" : "error-text small"}>
              {seedOk ? "The same seed and settings give the same take." : "A seed is a whole number from 0 to 2147483647."}
            </p>
          </div>
          <div className="field">
            <label htmlFor="gen-seconds">Length (seconds)</label>
            <input id="gen-seconds" type="number" min={SECONDS.min} max={SECONDS.max} step={1} value={seconds}
              onChange={(e) => setSeconds(e.target.value)} aria-invalid={!secondsOk} aria-describedby="gen-seconds-help" />
            {!secondsOk && <p id="gen-seconds-help" className="error-text small">From {SECONDS.min} to {SECONDS.max} seconds.</p>}
          </div>
        </div>
        <div className="field">
          <label htmlFor="gen-influence">Influence of the ten songs</label>
          <div className="slider-row">
            <input id="gen-influence" type="range" min={INFLUENCE.min} max={INFLUENCE.max} step={1} value={influence}
              onChange={(e) => setInfluence(Number(e.target.value))} aria-valuetext={`${influence} %`} />
            <output htmlFor="gen-influence">{influence} %</output>
          </div>
          <p className="muted small">The rest comes from the larger training catalog.</p>
        </div>
        <details className="field" data-testid="song-weights">
          <summary>Each song&apos;s weight <span className="muted">(equal unless set)</span></summary>
          <ul className="weights">
            {detail.songs.map((s) => {
              const value = weights[s.song_id] ?? "1";
              return (
                <li key={s.song_id}>
                  <label htmlFor={`gen-weight-${s.song_id}`}>{`Weight of ${s.title}`}</label>
                  <input id={`gen-weight-${s.song_id}`} type="number" min={0} max={1000} step={1} value={value}
                    aria-invalid={!weightOk(value)}
                    onChange={(e) => setWeights({ ...weights, [s.song_id]: e.target.value })} />
                </li>
              );
            })}
          </ul>
          <p className={weightsOk ? "muted small" : "error-text small"}>
            {weightsOk ? "A song weighted 3 shapes the take (and is paid) three times as much as a song weighted 1."
              : "Weights are whole numbers from 0 to 1000, and not all 0."}
          </p>
        </details>
        <div className="field">
          <label htmlFor="gen-prompt">Prompt <span className="muted">(optional)</span></label>
          <textarea id="gen-prompt" className="prompt-input" value={prompt} maxLength={500}
            onChange={(e) => setPrompt(e.target.value)} placeholder="warm synths, slow build, hopeful" />
        </div>
        {reason && <p className="notice" data-testid="generate-reason">Not ready: {reason}</p>}
        {generate.error && <p className="error-text" role="alert">{generate.error.message}</p>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={Boolean(reason) || !seedOk || !secondsOk || !weightsOk || generate.isPending}
            aria-describedby={reason ? "generate-reason-text" : undefined}>
            {generate.isPending ? "Starting…" : "Generate"}
          </button>
          {reason && <span id="generate-reason-text" className="sr-only">{reason}</span>}
          {generating && <span className="muted" aria-live="polite">A take is being generated.</span>}
        </div>
      </form>
    </section>
  );
}
