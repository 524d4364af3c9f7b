/**
 * The track's waveform (wavesurfer.js drawing the precomputed peaks, nothing decoded), with
 * the playhead of the current `Playback`. Click or drag to seek; as a keyboard slider, arrows
 * move 5 s, Page Up/Down 30 s, Home/End to the ends.
 */
import { useEffect, useRef, type KeyboardEvent } from "react";
import WaveSurfer from "wavesurfer.js";
import type { Playback } from "../audio/playback";
import { usePlayhead, usePlayheadEffect } from "../audio/usePlayback";
import { formatTime } from "../lib/format";

export function Waveform({ playback, peaks, duration }: {
  playback: Playback | null;
  /** per channel; null draws a flat line until the track is processed */
  peaks: Float32Array[] | null;
  duration: number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const surfer = useRef<WaveSurfer | null>(null);
  const playbackRef = useRef(playback);
  playbackRef.current = playback;

  useEffect(() => {
    const ws = WaveSurfer.create({
      container: container.current!,
      height: 112,
      waveColor: "#4b4f6b",
      progressColor: "#8b7bff",
      cursorColor: "#e8e9f3",
      cursorWidth: 2,
      barWidth: 2,
      barGap: 1,
      barRadius: 2,
      normalize: true,
      dragToSeek: true,
      peaks: peaks ?? [new Float32Array([0, 0])],
      duration,
    });
    ws.on("interaction", (time) => playbackRef.current?.seek(time));
    surfer.current = ws;
    return () => {
      surfer.current = null;
      ws.destroy();
    };
  }, [peaks, duration]);

  usePlayheadEffect(playback, (time) => surfer.current?.setTime(time));
  const second = usePlayhead(playback, (time) => Math.floor(time), 0);

  const keys = (event: KeyboardEvent) => {
    if (!playback) return;
    const steps: Record<string, number> = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -30, PageUp: 30 };
    if (event.key in steps) playback.seek(playback.time() + steps[event.key]!);
    else if (event.key === "Home") playback.seek(0);
    else if (event.key === "End") playback.seek(duration);
    else return;
    event.preventDefault();
  };

  return (
    <div
      ref={container}
      className={peaks ? "waveform" : "waveform waveform-flat"}
      role="slider"
      tabIndex={0}
      aria-label="Playback position"
      aria-valuemin={0}
      aria-valuemax={Math.round(duration)}
      aria-valuenow={second}
      aria-valuetext={`${formatTime(second)} of ${formatTime(duration)}`}
      onKeyDown={keys}
      data-testid="waveform"
    />
  );
}
