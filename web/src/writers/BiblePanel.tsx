/**
 * The room bible, as the ingest workflow extracted it: who is who, who relates to whom, and
 * what happened per episode. `?character=Name` narrows it to one character (notes link here).
 */
import { useSearchParams } from "react-router";
import { useBible, type Character } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { pairs, storylines } from "./bible";

const span = (c: Character) =>
  c.first_episode === null ? "" : c.first_episode === c.last_episode ? `episode ${c.first_episode}` : `episodes ${c.first_episode}–${c.last_episode}`;

export function BiblePanel({ roomId }: { roomId: string }) {
  const bible = useBible(roomId);
  const [params, setParams] = useSearchParams();
  const character = params.get("character");
  if (bible.isPending) return <Spinner label="Loading the bible" />;
  if (bible.error) return <ErrorState title="Cannot load the bible" error={bible.error} onRetry={() => void bible.refetch()} />;
  const data = bible.data;
  if (!data.characters.length && !data.episodes.length) {
    return <EmptyState title="The bible is empty"><p>It fills in as scripts are ingested.</p></EmptyState>;
  }
  const is = (name: string) => !character || name.localeCompare(character, undefined, { sensitivity: "accent" }) === 0;
  const relations = pairs(data, character);
  return (
    <div className="bible">
      <p className="muted small">
        Version {data.version}{data.updated_at && ` · updated ${new Date(data.updated_at).toLocaleString()}`}
        {character && <> · showing <strong>{character}</strong>{" "}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setParams({})}>Show everyone</button></>}
      </p>
      <section className="card" aria-labelledby="characters-title">
        <h2 id="characters-title">Characters</h2>
        <ul className="bible-characters">
          {data.characters.filter((c) => is(c.name)).map((c) => (
            <li key={c.name} data-testid="character">
              <button type="button" className="link-button" onClick={() => setParams({ character: c.name })}><strong>{c.name}</strong></button>
              <span className="muted small"> {c.lines} lines in {c.scenes} scenes · {span(c)}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="relationships-title">
        <h2 id="relationships-title">Relationships</h2>
        {relations.length === 0 ? <p className="muted">None recorded.</p> : (
          <ul>
            {relations.map((r) => (
              <li key={`${r.a}-${r.b}-${r.kind}`} data-testid="relationship">
                {r.a} ↔ {r.b} <span className="badge">{r.kind}</span>
                {r.episodes.length > 0 && <span className="muted small"> episodes {r.episodes.join(", ")}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="storylines-title">
        <h2 id="storylines-title">Storylines per episode</h2>
        {storylines(data, character).map((line) => (
          <div key={line.episode} className="bible-episode" data-testid="episode">
            <h3>Episode {line.episode}{line.title && `: ${line.title}`}</h3>
            {line.summary && <p className="muted">{line.summary}</p>}
            <ul>
              {line.beats.map((b) => <li key={`${b.character}-${b.scene}`}><strong>{b.character}</strong> (scene {b.scene}): {b.summary}</li>)}
            </ul>
          </div>
        ))}
      </section>
    </div>
  );
}
