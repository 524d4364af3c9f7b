/** The library: upload, then browse, search, filter, sort, tag, rename, delete and export. */
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useProcess, useRecentJobs, useTracks, type TrackFilters } from "../api/hooks";
import { isFinished, type Job, type Track } from "../api/model";
import { DropZone } from "../components/DropZone";
import { ExportSelection } from "../components/ExportSelection";
import { EmptyState, ErrorState, ProgressBar, Spinner } from "../components/States";
import { DeleteButton, EditButton } from "../components/TrackActions";
import { AutoProcessSwitch, UploadList } from "../components/UploadList";
import { formatBpm, formatTime, KEYS } from "../lib/format";
import { useDebounced } from "../lib/useDebounced";
import { useUploadQueue } from "../upload/context";

export const SORTS = {
  newest: { label: "Newest first", compare: (a: Track, b: Track) => b.created_at.localeCompare(a.created_at) },
  oldest: { label: "Oldest first", compare: (a: Track, b: Track) => a.created_at.localeCompare(b.created_at) },
  title: { label: "Title A–Z", compare: (a: Track, b: Track) => a.title.localeCompare(b.title, undefined, { sensitivity: "base" }) },
  artist: { label: "Artist A–Z", compare: (a: Track, b: Track) => (a.artist_name ?? "").localeCompare(b.artist_name ?? "") },
  bpm: { label: "Tempo", compare: (a: Track, b: Track) => (a.bpm ?? Infinity) - (b.bpm ?? Infinity) },
  key: { label: "Key", compare: (a: Track, b: Track) => (a.key ?? "~").localeCompare(b.key ?? "~") },
  duration: { label: "Length", compare: (a: Track, b: Track) => (a.facts.duration_s ?? 0) - (b.facts.duration_s ?? 0) },
} as const;
export type SortKey = keyof typeof SORTS;

const number = (text: string | null) => (text ? Number(text) : undefined);

/** Filters and sort live in the URL: shareable, and Back restores them. */
function useLibraryParams() {
  const [params, setParams] = useSearchParams();
  const filters: TrackFilters = {
    q: params.get("q") ?? undefined,
    tag: params.get("tag") ?? undefined,
    key: params.get("key") ?? undefined,
    bpm_min: number(params.get("bpm_min")),
    bpm_max: number(params.get("bpm_max")),
  };
  const sort = (params.get("sort") ?? "newest") as SortKey;
  const set = (name: string, value: string) => setParams((current) => {
    const next = new URLSearchParams(current);
    if (value) next.set(name, value);
    else next.delete(name);
    return next;
  }, { replace: true });
  const clear = () => setParams(params.get("sort") ? { sort: params.get("sort")! } : {}, { replace: true });
  return { filters, sort: sort in SORTS ? sort : "newest", params, set, clear };
}

function Filters({ state, tags }: { state: ReturnType<typeof useLibraryParams>; tags: string[] }) {
  const { params, set, clear } = state;
  const active = ["q", "tag", "key", "bpm_min", "bpm_max"].some((name) => params.get(name));
  return (
    <form className="filters" role="search" aria-label="Search the library" onSubmit={(e) => e.preventDefault()}>
      <label className="filter-search">
        <span className="sr-only">Search title, artist, tags</span>
        <input type="search" placeholder="Search title, artist, tag…" value={params.get("q") ?? ""}
          onChange={(e) => set("q", e.target.value)} />
      </label>
      <label>
        <span>Tag</span>
        <input list="known-tags" value={params.get("tag") ?? ""} onChange={(e) => set("tag", e.target.value)} placeholder="any" size={10} />
        <datalist id="known-tags">{tags.map((tag) => <option key={tag} value={tag} />)}</datalist>
      </label>
      <label>
        <span>Key</span>
        <select value={params.get("key") ?? ""} onChange={(e) => set("key", e.target.value)}>
          <option value="">any</option>
          {KEYS.map((key) => <option key={key}>{key}</option>)}
        </select>
      </label>
      <fieldset className="filter-bpm">
        <legend>BPM</legend>
        <input type="number" min={0} max={1000} inputMode="numeric" aria-label="BPM from" placeholder="from"
          value={params.get("bpm_min") ?? ""} onChange={(e) => set("bpm_min", e.target.value)} />
        <span aria-hidden="true">–</span>
        <input type="number" min={0} max={1000} inputMode="numeric" aria-label="BPM to" placeholder="to"
          value={params.get("bpm_max") ?? ""} onChange={(e) => set("bpm_max", e.target.value)} />
      </fieldset>
      <label>
        <span>Sort</span>
        <select value={state.sort} onChange={(e) => set("sort", e.target.value === "newest" ? "" : e.target.value)}>
          {Object.entries(SORTS).map(([key, { label }]) => <option key={key} value={key}>{label}</option>)}
        </select>
      </label>
      {active && <button type="button" className="btn btn-ghost btn-small" onClick={clear}>Clear filters</button>}
    </form>
  );
}

function TrackStatus({ track, job }: { track: Track; job: Job | undefined }) {
  if (job) {
    return (
      <div className="row-job">
        <ProgressBar value={job.status === "queued" ? null : job.percent} label={`Processing ${track.title}: ${job.stage}`} />
        <span className="muted">{job.status === "queued" ? "queued" : `${job.stage} · ${job.percent}%`}</span>
      </div>
    );
  }
  return track.processed_at
    ? <span className="badge badge-ok">processed</span>
    : <span className="badge">not processed</span>;
}

function TrackRow({ track, job, selected, onSelect }: {
  track: Track;
  job: Job | undefined;
  selected: boolean;
  onSelect: (on: boolean) => void;
}) {
  const process = useProcess();
  return (
    <tr data-testid="track-row" aria-selected={selected}>
      <td className="col-check">
        <input type="checkbox" checked={selected} onChange={(e) => onSelect(e.target.checked)} aria-label={`Select ${track.title}`} />
      </td>
      <td className="col-title">
        <Link to={`/tracks/${track.track_id}`} className="track-link">{track.title}</Link>
        <span className="muted track-artist">{track.artist_name || "Unknown artist"}</span>
        {track.tags.length > 0 && (
          <ul className="tags" aria-label="Tags">{track.tags.map((tag) => <li key={tag}>{tag}</li>)}</ul>
        )}
      </td>
      <td className="col-num" data-label="Tempo">{formatBpm(track.bpm)}</td>
      <td data-label="Key">{track.key ?? "–"}</td>
      <td className="col-num" data-label="Length">{formatTime(track.facts.duration_s)}</td>
      <td className="col-status"><TrackStatus track={track} job={job} /></td>
      <td className="col-actions">
        <button type="button" className="btn btn-small btn-primary" disabled={Boolean(job) || process.isPending}
          onClick={() => process.mutate(track.track_id)} aria-label={`Process ${track.title}`}>
          {track.processed_at ? "Re-process" : "Process"}
        </button>
        <EditButton track={track} />
        <DeleteButton track={track} />
        {process.error && <p className="error-text" role="alert">{process.error.message}</p>}
      </td>
    </tr>
  );
}

export function LibraryPage() {
  const queue = useUploadQueue();
  const state = useLibraryParams();
  const filters = useDebounced(state.filters, 250);  // one request per pause in typing, not per key
  const tracks = useTracks(filters);
  const jobs = useRecentJobs();
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const items = useMemo(() => {
    const all = tracks.data?.pages.flatMap((page) => page.items) ?? [];
    return [...all].sort(SORTS[state.sort].compare);
  }, [tracks.data, state.sort]);
  const knownTags = useMemo(() => [...new Set(items.flatMap((t) => t.tags))].sort(), [items]);
  const activeJobs = useMemo(() => {
    const byTrack = new Map<string, Job>();
    for (const job of jobs.data?.items ?? []) {
      if (job.kind === "audio" && !isFinished(job) && job.subject.track_id && !byTrack.has(job.subject.track_id)) {
        byTrack.set(job.subject.track_id, job);
      }
    }
    return byTrack;
  }, [jobs.data]);
  const visibleSelection = items.filter((t) => selected.has(t.track_id)).map((t) => t.track_id);
  const select = (id: string, on: boolean) => setSelected((current) => {
    const next = new Set(current);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  });
  const allSelected = items.length > 0 && visibleSelection.length === items.length;
  const filtered = Object.values(state.filters).some((v) => v !== undefined && v !== "");

  return (
    <div className="page library">
      <div className="page-head">
        <h1>Library</h1>
        <p className="muted">Upload songs, then open one for its stems, MIDI, lyrics and samples.</p>
      </div>
      <DropZone onFiles={(files) => queue.add(files)}>
        <AutoProcessSwitch />
      </DropZone>
      <UploadList />
      <section aria-labelledby="library-title" className="library-list">
        <div className="section-head">
          <h2 id="library-title">Tracks</h2>
          {tracks.isFetching && !tracks.isLoading && <span className="spinner spinner-small" role="status" aria-label="Refreshing" />}
        </div>
        <Filters state={state} tags={knownTags} />
        {visibleSelection.length > 0 && (
          <div className="selection-bar" role="region" aria-label="Selection">
            <span>{visibleSelection.length} selected</span>
            <ExportSelection key={visibleSelection.join()} trackIds={visibleSelection} />
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setSelected(new Set())}>Clear selection</button>
          </div>
        )}
        {tracks.isLoading && <Spinner label="Loading your library" />}
        {tracks.error && <ErrorState title="The library could not be loaded" error={tracks.error} onRetry={() => void tracks.refetch()} />}
        {tracks.isSuccess && items.length === 0 && (filtered
          ? <EmptyState title="No track matches these filters"><button type="button" className="btn" onClick={state.clear}>Clear filters</button></EmptyState>
          : <EmptyState title="Your library is empty"><p>Drop a song above: it is checked, added here, and can be split into stems, MIDI, lyrics and samples.</p></EmptyState>)}
        {items.length > 0 && (
          <table className="tracks" data-testid="track-list">
            <caption className="sr-only">Your tracks, sorted by {SORTS[state.sort].label.toLowerCase()}</caption>
            <thead>
              <tr>
                <th className="col-check">
                  <input type="checkbox" checked={allSelected} aria-label="Select all tracks"
                    onChange={(e) => setSelected(e.target.checked ? new Set(items.map((t) => t.track_id)) : new Set())} />
                </th>
                <th scope="col">Title</th>
                <th scope="col" className="col-num">Tempo</th>
                <th scope="col">Key</th>
                <th scope="col" className="col-num">Length</th>
                <th scope="col">Status</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((track) => (
                <TrackRow key={track.track_id} track={track} job={activeJobs.get(track.track_id)}
                  selected={selected.has(track.track_id)} onSelect={(on) => select(track.track_id, on)} />
              ))}
            </tbody>
          </table>
        )}
        {tracks.hasNextPage && (
          <button type="button" className="btn load-more" onClick={() => void tracks.fetchNextPage()} disabled={tracks.isFetchingNextPage}>
            {tracks.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        )}
      </section>
    </div>
  );
}
