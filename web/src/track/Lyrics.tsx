/**
 * Lyrics that follow playback word by word. Click a word to jump to it; each line is a button
 * (one Tab stop per line, not per word) that jumps to the line.
 */
import { Fragment, useEffect, useMemo, useRef } from "react";
import type { Assets, Word } from "../api/model";
import type { Playback } from "../audio/playback";
import { usePlayhead } from "../audio/usePlayback";

/** Index of the last word that has started by `time`, or -1 before the first. */
export function wordAt(words: Pick<Word, "start_s">[], time: number): number {
  let low = 0;
  let high = words.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (words[mid]!.start_s <= time) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

const HOLD_S = 0.6;  // a word stays lit through short gaps

export function Lyrics({ lyrics, playback }: { lyrics: NonNullable<Assets["lyrics"]>; playback: Playback | null }) {
  const { lines, words } = useMemo(() => {
    const all: (Word & { line: number; index: number })[] = [];
    const grouped = lyrics.segments.map((segment, line) => {
      const source = segment.words.length ? segment.words : [{ text: segment.text, start_s: segment.start_s, end_s: segment.end_s }];
      return { start: segment.start_s, text: segment.text.trim(), words: source.map((word) => {
        const entry = { ...word, line, index: all.length };
        all.push(entry);
        return entry;
      }) };
    });
    return { lines: grouped, words: all };
  }, [lyrics]);
  const active = usePlayhead(playback, (time) => {
    const index = wordAt(words, time);
    return index >= 0 && time <= words[index]!.end_s + HOLD_S ? index : -1;
  }, -1);
  const activeLine = active >= 0 ? words[active]!.line : -1;
  const lineRefs = useRef<(HTMLButtonElement | null)[]>([]);
  useEffect(() => {
    const calm = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    lineRefs.current[activeLine]?.scrollIntoView?.({ block: "nearest", behavior: calm ? "auto" : "smooth" });
  }, [activeLine]);

  return (
    <div className="lyrics" data-testid="lyrics">
      <div className="lyrics-lines">
        {lines.map((line, n) => (
          <button type="button" key={n} ref={(el) => { lineRefs.current[n] = el; }}
            className={n === activeLine ? "line line-active" : "line"} onClick={() => playback?.seek(line.start)}
            aria-label={line.text} aria-current={n === activeLine ? "true" : undefined}>
            {line.words.map((word) => (
              <Fragment key={word.index}>
                <span className={`word${word.index === active ? " word-active" : word.index < active ? " word-sung" : ""}`}
                  onClick={(event) => {
                    event.stopPropagation();
                    playback?.seek(word.start_s);
                  }}>
                  {word.text.trim()}
                </span>{" "}
              </Fragment>
            ))}
          </button>
        ))}
      </div>
      <p className="lyrics-files">
        <span className="muted small">Language: {lyrics.language}</span>
        {(["lrc", "srt", "txt"] as const).map((ext) => (
          <a key={ext} className="btn btn-small btn-ghost" href={lyrics.files[ext]} download>.{ext}</a>
        ))}
      </p>
    </div>
  );
}
