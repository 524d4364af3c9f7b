/**
 * The room bible, as the ingest workflow extracted it: who is who, who relates to whom, and
 * what happened per episode. `?character=Name` narrows it to one character (notes link here).
 */
import { useSearchParams } from "react-router";
import { useBible, type Bible, type StoryEvent } from "../api/writers";
import { EmptyState, ErrorState, Spinner } from "../components/States";

/** Storyline events by episode, ascending; within an episode in the order the bible gave. */
export function byEpisode(events: StoryEvent[]): [number, StoryEvent[]][] {
  const groups = new Map<number, StoryEvent[]>();
  for (const event of events) groups.set(event.episode, [...(groups.get(event.episode) ?? []), event]);
  return [...groups.entries()].sort(([a], [b]) => a - b);
}

/** The bible narrowed to one character (case-insensitive), or all of it. */
export function forCharacter(bible: Bible, name: string | null): Bible {
  if (!name) return bible;
  const is = (n: string) => n.localeCompare(name, undefined, { sensitivity: "accent" }) === 0;
  return {
    ...bible,
    characters: bible.characters.filter((c) => is(c.name)),
    relationships: bible.relationships.filter((r) => is(r.a) || is(r.b)),
    storylines: bible.storylines.filter((s) => (s.characters ?? []).some(is)),
  };
}

const episodes = (list?: number[]) => (list?.length ? `Episodes ${list.join(", ")}` : "");

export function BiblePanel({ roomId }: { roomId: string }) {
  const bible = useBible(roomId);
  const [params, setParams] = useSearchParams();
  const character = params.get("character");
  if (bible.isPending) return <Spinner label="Loading the bible" />;
  if (bible.error) return <ErrorState title="Cannot load the bible" error={bible.error} onRetry={() => void bible.refetch()} />;
  const shown = forCharacter(bible.data, character);
  if (!bible.data.characters.length && !bible.data.storylines.length) {
    return <EmptyState title="The bible is empty"><p>It fills in as scripts are ingested.</p></EmptyState>;
  }
  return (
    <div className="bible">
      <p className="muted small">
        {bible.data.version !== undefined && `Version ${bible.data.version}`}
        {bible.data.updated_at && ` · updated ${new Date(bible.data.updated_at).toLocaleString()}`}
        {character && <> · showing <strong>{character}</strong>{" "}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setParams({})}>Show everyone</button></>}
      </p>
      <section className="card" aria-labelledby="characters-title">
        <h2 id="characters-title">Characters</h2>
        <ul className="bible-characters">
          {shown.characters.map((c) => (
            <li key={c.name} data-testid="character">
              <button type="button" className="link-button" onClick={() => setParams({ character: c.name })}><strong>{c.name}</strong></button>
              {c.description && <span> — {c.description}</span>}
              <span className="muted small"> {episodes(c.episodes)}{c.lines ? ` · ${c.lines} lines` : ""}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="relationships-title">
        <h2 id="relationships-title">Relationships</h2>
        {shown.relationships.length === 0 ? <p className="muted">None recorded.</p> : (
          <ul>
            {shown.relationships.map((r) => (
              <li key={`${r.a}-${r.b}-${r.kind ?? ""}`} data-testid="relationship">
                {r.a} ↔ {r.b}{r.kind && <span className="badge">{r.kind}</span>} <span className="muted small">{episodes(r.episodes)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="storylines-title">
        <h2 id="storylines-title">Storylines per episode</h2>
        {byEpisode(shown.storylines).map(([episode, events]) => (
          <div key={episode} className="bible-episode" data-testid="episode">
            <h3>Episode {episode}</h3>
            <ul>
              {events.map((e, i) => (
                <li key={i}>{e.summary}{e.characters?.length ? <span className="muted small"> ({e.characters.join(", ")})</span> : null}</li>
              ))}
            </ul>
          </div>
        ))}
      </section>
    </div>
  );
}
