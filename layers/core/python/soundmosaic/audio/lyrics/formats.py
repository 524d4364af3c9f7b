"""Export formats of ``Lyrics``: enhanced LRC (a ``<mm:ss.xx>`` tag before every word), SubRip
and plain text."""

from __future__ import annotations

import re

from soundmosaic.audio.lyrics.result import Lyrics


def _lrc_time(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    return f"{centis // 6000:02d}:{centis // 100 % 60:02d}.{centis % 100:02d}"


def _srt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    return (f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},"
            f"{millis % 1000:03d}")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def to_lrc(lyrics: Lyrics, title: str = "", artist: str = "") -> str:
    """Enhanced LRC: ``[mm:ss.xx] <mm:ss.xx> word <mm:ss.xx> word ... <mm:ss.xx>`` per line.

    The line tag is the first word's start, each word is preceded by its start, and the line ends
    with the last word's end (the A2 extension most players and DAW lyric tracks read).
    """
    head = []
    for tag, value in (("ti", title), ("ar", artist)):
        if value:
            head.append(f"[{tag}:{_one_line(value)}]")
    if lyrics.language:
        head.append(f"[la:{lyrics.language}]")
    if lyrics.segments:
        length = max(0, round(lyrics.segments[-1].end_s))
        head.append(f"[length:{length // 60:02d}:{length % 60:02d}]")
    head.append(f"[re:SoundMosaic, {lyrics.engine} {lyrics.model}]")
    lines = []
    for segment in lyrics.segments:
        if not segment.words:
            lines.append(f"[{_lrc_time(segment.start_s)}]{_one_line(segment.text)}")
            continue
        body = " ".join(f"<{_lrc_time(w.start_s)}> {_one_line(w.text)}" for w in segment.words)
        lines.append(f"[{_lrc_time(segment.words[0].start_s)}] {body} <{_lrc_time(segment.words[-1].end_s)}>")
    return "\n".join(head + lines) + "\n"


def to_srt(lyrics: Lyrics) -> str:
    """SubRip: one numbered cue per segment; a cue lasts at least 0.5 s and never overlaps the next."""
    cues = []
    segments = [s for s in lyrics.segments if s.text.strip()]
    for index, segment in enumerate(segments):
        end = max(segment.end_s, segment.start_s + 0.5)
        if index + 1 < len(segments):
            end = max(segment.start_s + 0.001, min(end, segments[index + 1].start_s))
        cues.append(f"{index + 1}\n{_srt_time(segment.start_s)} --> {_srt_time(end)}\n"
                    f"{_one_line(segment.text)}\n")
    return "\n".join(cues)


def to_txt(lyrics: Lyrics, stanza_gap_s: float = 4.0) -> str:
    """Plain lyrics, a line per segment, a blank line where the singing pauses ``stanza_gap_s``."""
    lines: list[str] = []
    previous_end: float | None = None
    for segment in lyrics.segments:
        text = _one_line(segment.text)
        if not text:
            continue
        if previous_end is not None and segment.start_s - previous_end >= stanza_gap_s:
            lines.append("")
        lines.append(text)
        previous_end = segment.end_s
    return "\n".join(lines) + ("\n" if lines else "")
