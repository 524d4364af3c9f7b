/**
 * One track: waveform and transport, the stem mixer, lyrics, piano rolls and samples, with
 * processing, export download, edit and delete. Space plays and pauses anywhere on the page.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/client";
import { useAssets, useJob, useProcess, useRecentJobs, useTrack } from "../api/hooks";
import { isFinished, type Assets, type Peaks, type Track } from "../api/model";
import { audioContext, MediaPlayback, StemMixer, type Playback } from "../audio/playback";
import { JobSteps } from "../components/JobProgress";
import { EmptyState, ErrorState, Spinner } from "../components/States";
import { DeleteButton, EditButton } from "../components/TrackActions";
import { formatBpm, formatBytes, formatTime, peaksToChannels } from "../lib/format";
import { Lyrics } from "../track/Lyrics";
import { Mixer } from "../track/Mixer";
import { PianoRolls } from "../track/PianoRoll";
import { Samples } from "../track/Samples";
import { Transport } from "../track/Transport";
import { Waveform } from "../track/Waveform";

function usePeaks(track: Track | undefined, assets: Assets | undefined) {
  return useQuery({
    // The URL's signature changes on every assets fetch; the peaks change only with processing.
    queryKey: ["peaks", track?.track_id, track?.processed_at],
    queryFn: async ({ signal }) => {
      const reply = await fetch(assets!.peaks_url!, { signal });
      if (!reply.ok) throw new Error(`waveform peaks: HTTP ${reply.status}`);
      return peaksToChannels((await reply.json()) as Peaks);
    },
    enabled: Boolean(assets?.peaks_url),
    staleTime: Infinity,
  });
}

/**
 * The stems through the mixer once processed, else the original streamed. Recreated only
 * when what plays changes, not when presigned URLs are refreshed.
 */
function usePlaybackFor(track: Track | undefined, assets: Assets | undefined) {
  const [playback, setPlayback] = useState<Playback | null>(null);
  const [loading, setLoading] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const assetsRef = useRef(assets);
  assetsRef.current = assets;
  const identity = assets && track
    ? `${track.track_id}:${track.processed_at}:${assets.stems.map((s) => s.name).join(",")}`
    : null;

  useEffect(() => {
    const current = assetsRef.current;
    if (!identity || !current) return;
    let made: Playback | null = null;
    const abort = new AbortController();
    setError(null);
    if (current.stems.length) {
      setLoading("Loading stems 0%");
      StemMixer.load(audioContext(), current.stems, (f) => setLoading(`Loading stems ${Math.round(f * 100)}%`), abort.signal)
        .then((mixer) => {
          made = mixer;
          setPlayback(mixer);
          setLoading(null);
        })
        .catch((err: Error) => {
          if (abort.signal.aborted) return;
          setLoading(null);
          setError(err);
        });
    } else {
      made = new MediaPlayback(current.original_url, current.analysis?.duration_s ?? Number(track?.facts.duration_s ?? 0));
      setPlayback(made);
    }
    return () => {
      abort.abort();
      made?.destroy();
      setPlayback(null);
    };
  }, [identity]);  // `identity`, not the assets object, says when to rebuild
  return { playback, loading, error };
}

function useSpaceToPlay(playback: Playback | null) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== " " || !playback || target.closest("input, textarea, select, button, a, [contenteditable]")) return;
      event.preventDefault();
      if (playback.playing()) playback.pause();
      else void playback.play();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [playback]);
}

function Section({ title, children, className = "" }: { title: string; children: ReactNode; className?: string }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section className={`card ${className}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export default function TrackPage() {
  const { trackId = "" } = useParams();
  const navigate = useNavigate();
  const track = useTrack(trackId);
  const assets = useAssets(trackId);
  const jobs = useRecentJobs();
  const process = useProcess();
  const [startedJob, setStartedJob] = useState<string | null>(null);
  const started = useJob(startedJob);
  const listed = jobs.data?.items.find((j) => j.kind === "audio" && j.subject.track_id === trackId && !isFinished(j));
  const job = started.data ?? listed;
  const working = Boolean(job && !isFinished(job));
  const peaks = usePeaks(track.data, assets.data);
  const { playback, loading, error: playbackError } = usePlaybackFor(track.data, assets.data);
  useSpaceToPlay(playback);
  const duration = useMemo(
    () => assets.data?.analysis?.duration_s ?? Number(track.data?.facts.duration_s ?? 0),
    [assets.data, track.data],
  );

  if (track.isLoading) return <Spinner label="Loading the track" />;
  if (track.error) {
    const missing = track.error instanceof ApiError && track.error.status === 404;
    return (
      <div className="page">
        {missing
          ? <EmptyState title="This track is not in your library"><Link className="btn" to="/">Back to the library</Link></EmptyState>
          : <ErrorState title="The track could not be loaded" error={track.error} onRetry={() => void track.refetch()} />}
      </div>
    );
  }
  const t = track.data!;
  const a = assets.data;
  const facts = [
    formatTime(duration),
    t.facts.sample_rate ? `${(Number(t.facts.sample_rate) / 1000).toFixed(1)} kHz` : null,
    t.facts.channels === 1 ? "mono" : t.facts.channels === 2 ? "stereo" : null,
    t.facts.codec ? String(t.facts.codec) : null,
    formatBytes(t.size_bytes),
  ].filter(Boolean);

  return (
    <div className="page track-page">
      <header className="track-head">
        <Link to="/" className="back">← Library</Link>
        <div className="track-title">
          <h1>{t.title}</h1>
          <p className="muted">{t.artist_name || "Unknown artist"} · {facts.join(" · ")}</p>
          <dl className="track-facts">
            <div><dt>Tempo</dt><dd>{formatBpm(t.bpm)}</dd></div>
            <div><dt>Key</dt><dd>{t.key ?? "–"}</dd></div>
          </dl>
          {t.tags.length > 0 && <ul className="tags" aria-label="Tags">{t.tags.map((tag) => <li key={tag}>{tag}</li>)}</ul>}
        </div>
        <div className="track-actions">
          <button type="button" className="btn btn-primary" disabled={working || process.isPending} data-testid="process"
            onClick={() => process.mutate(trackId, { onSuccess: (j) => setStartedJob(j.job_id) })}>
            {t.processed_at ? "Re-process" : "Process"}
          </button>
          {a?.export_url && (
            <a className="btn btn-ok" href={a.export_url} download data-testid="export-download">Download export</a>
          )}
          <EditButton track={t} className="btn" />
          <DeleteButton track={t} className="btn btn-ghost" onDeleted={() => navigate("/", { replace: true })} />
        </div>
      </header>
      {process.error && <p className="error-text" role="alert">Could not start processing: {process.error.message}</p>}
      {job && (working || started.data) && <div className="card"><JobSteps job={job} /></div>}

      <section className="card player" aria-label="Player">
        <Transport playback={playback} loading={loading} />
        {peaks.error && <p className="error-text small">{peaks.error.message}</p>}
        <Waveform playback={playback} peaks={peaks.data ?? null} duration={duration} />
        {!a?.peaks_url && <p className="muted small">The detailed waveform appears once the track is processed.</p>}
        {playbackError && <p className="error-text" role="alert">Playback is unavailable: {playbackError.message}</p>}
      </section>

      {assets.isLoading && <Spinner label="Loading stems, MIDI, lyrics and samples" />}
      {assets.error && <ErrorState title="The track's assets could not be loaded" error={assets.error} onRetry={() => void assets.refetch()} />}
      {a && !t.processed_at && !a.stems.length && !working && (
        <EmptyState title="Not processed yet">
          <p>Processing splits the track into stems, transcribes MIDI and lyrics, slices samples and builds a DAW-ready export.</p>
        </EmptyState>
      )}
      {a && (a.stems.length > 0 || a.lyrics) && (
        <div className="track-grid">
          {a.stems.length > 0 && (
            <Section title="Stems">
              {playback instanceof StemMixer
                ? <Mixer mixer={playback} stems={a.stems} />
                : <Spinner label={loading ?? "Preparing the mixer"} />}
            </Section>
          )}
          {a.lyrics && (
            <Section title="Lyrics" className="lyrics-card">
              {a.lyrics.segments.length
                ? <Lyrics lyrics={a.lyrics} playback={playback} />
                : <p className="muted">No words were heard in the vocals.</p>}
            </Section>
          )}
        </div>
      )}
      {a && a.midi.length > 0 && (
        <Section title="MIDI">
          <PianoRolls midi={a.midi} playback={playback} duration={duration} />
        </Section>
      )}
      {a && a.samples.length > 0 && (
        <Section title="Samples">
          <Samples samples={a.samples} />
        </Section>
      )}
    </div>
  );
}
