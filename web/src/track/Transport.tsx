/** Play/pause, skip and the clock for the current `Playback`. */
import type { Playback } from "../audio/playback";
import { usePlayhead, usePlaying } from "../audio/usePlayback";
import { formatTime } from "../lib/format";

export function Transport({ playback, loading }: { playback: Playback | null; loading: string | null }) {
  const playing = usePlaying(playback);
  const tenth = usePlayhead(playback, (time) => Math.floor(time * 10) / 10, 0);
  const toggle = () => {
    if (!playback) return;
    if (playing) playback.pause();
    else void playback.play();
  };
  return (
    <div className="transport">
      <button type="button" className="btn btn-icon" onClick={() => playback?.seek(playback.time() - 10)} disabled={!playback}
        aria-label="Back 10 seconds">
        <svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M11 18V6l-8.5 6 8.5 6Zm.5-6 8.5 6V6l-8.5 6Z" /></svg>
      </button>
      <button type="button" className="btn btn-play" onClick={toggle} disabled={!playback} aria-label={playing ? "Pause" : "Play"}
        aria-keyshortcuts="Space" data-testid="play">
        {playing
          ? <svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M6 5h4v14H6zM14 5h4v14h-4z" /></svg>
          : <svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M8 5v14l11-7z" /></svg>}
      </button>
      <button type="button" className="btn btn-icon" onClick={() => playback?.seek(playback.time() + 10)} disabled={!playback}
        aria-label="Forward 10 seconds">
        <svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M13 6v12l8.5-6L13 6Zm-.5 6L4 6v12l8.5-6Z" /></svg>
      </button>
      <span className="clock" data-testid="clock" aria-live="off">
        {formatTime(tenth)} <span className="muted">/ {formatTime(playback?.duration)}</span>
      </span>
      {loading && <span className="muted" role="status">{loading}</span>}
    </div>
  );
}
