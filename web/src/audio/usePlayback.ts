/** React views of a `Playback`: its play state, and values derived from the playhead per frame. */
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { Playback } from "./playback";

const idle = () => () => undefined;

export function usePlaying(playback: Playback | null): boolean {
  return useSyncExternalStore(playback?.subscribe ?? idle, () => playback?.playing() ?? false);
}

/** Call `draw(time)` on every animation frame while playing and after every seek or pause. */
export function usePlayheadEffect(playback: Playback | null, draw: (time: number) => void) {
  const drawRef = useRef(draw);
  drawRef.current = draw;
  const playing = usePlaying(playback);
  useEffect(() => {
    if (!playback) return;
    const update = () => drawRef.current(playback.time());
    update();
    const unsubscribe = playback.subscribe(update);
    let frame = 0;
    const loop = () => {
      update();
      frame = requestAnimationFrame(loop);
    };
    if (playing) frame = requestAnimationFrame(loop);
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [playback, playing]);
}

/**
 * `select(time)` of the playhead; the component re-renders only when the selected value
 * changes (e.g. the index of the word being sung), not on every frame.
 */
export function usePlayhead<T>(playback: Playback | null, select: (time: number) => T, initial: T): T {
  const [value, setValue] = useState<T>(initial);
  usePlayheadEffect(playback, (time) => setValue(select(time)));
  return value;
}
