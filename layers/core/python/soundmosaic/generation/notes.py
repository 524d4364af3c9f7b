"""A reference song's notes, tempo and key for generation, from its library track.

If the audio lab processed the track, its MIDI files (``midi/<stem>.mid`` under the track's
prefix, one per melodic stem) are the notes; otherwise Basic Pitch transcribes the mix. Only the
first ``SPAN_S`` seconds are decoded (ffmpeg stops reading there), so an hour-long upload costs
what a 90-second one does. Tempo and key come from the track record (the audio lab's analysis)
or are estimated on that span.

The notes document (``notes.json``)::

    {"tempo_bpm": 96.0, "key": "E major", "parts": [[[start_s, end_s, pitch, velocity], ...], ...],
     "source": "audio lab MIDI" | "Basic Pitch on the mix", "span_s": 90.0}
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from soundmosaic.audio.pipeline import TrackFiles
from soundmosaic.generation.compose import GenerationRefused, ReferenceSong
from soundmosaic.generation.projects import Song
from soundmosaic.library.tracks import Track, TrackNotFound, TrackStore
from soundmosaic.platform import aws, untrusted_media
from soundmosaic.platform.config import resource

SPAN_S = 90.0  # seconds of a song read for transcription and analysis
DEFAULT_TEMPO = 120.0
FROM_MIDI, FROM_MIX = "audio lab MIDI", "Basic Pitch on the mix"
Part = list[list[float | int]]


def _track(artist_id: str, track_id: str, title: str) -> Track:
    try:
        return TrackStore().get(artist_id, track_id)
    except TrackNotFound:
        raise GenerationRefused(f"the library track of {title!r} was deleted: remove the song from "
                                "the project and add it again") from None


def excerpt(artist_id: str, track_id: str, target: Path, seconds: float = SPAN_S) -> Path:
    """The first ``seconds`` of the track's original as mono 22.05 kHz 16-bit WAV at ``target``."""
    track = TrackStore().get(artist_id, track_id)
    s3 = aws.client("s3")
    with tempfile.TemporaryDirectory(prefix="song-") as folder:
        original = Path(folder) / ("original" + Path(track.media_key).suffix)
        s3.download_file(resource("MEDIA_BUCKET"), track.media_key, str(original))  # streamed to disk
        done = untrusted_media.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-t", f"{seconds:.3f}",
                                    *untrusted_media.input_args(original), "-map", "0:a:0", "-ac", "1",
                                    "-ar", "22050", "-c:a", "pcm_s16le", str(target)],
                                   capture_output=True, timeout=300)
    if done.returncode or not target.exists() or target.stat().st_size <= 44:
        raise GenerationRefused(f"cannot read the audio of {track.title!r}: "
                                f"{done.stderr.decode(errors='replace')[-200:] or 'no audio'}")
    return target


def _midi_parts(paths: Sequence[Path], span_s: float) -> list[Part]:
    import pretty_midi

    parts: list[Part] = []
    for path in paths:
        midi = pretty_midi.PrettyMIDI(str(path))
        for instrument in midi.instruments:
            if instrument.is_drum:
                continue
            notes = [[round(n.start, 4), round(n.end, 4), int(n.pitch), int(n.velocity)]
                     for n in instrument.notes if n.start < span_s]
            if notes:
                parts.append(notes)
    return parts


def song_notes(artist_id: str, track_id: str, title: str) -> dict[str, Any]:
    """The notes document of one reference song (see the module docstring)."""
    from soundmosaic.audio import analysis, midi

    track = _track(artist_id, track_id, title)
    files = TrackFiles(artist_id, track_id)
    stems = sorted(n for n in files.list("midi/") if n.endswith(".mid"))
    with tempfile.TemporaryDirectory(prefix="notes-") as name:
        folder = Path(name)
        audio: Path | None = None
        tempo, key = track.bpm, track.key
        if not tempo or not key:
            audio = excerpt(artist_id, track_id, folder / "span.wav")
            found = analysis.analyse(audio)
            tempo, key = tempo or found.bpm, key or found.key
        tempo = float(tempo or DEFAULT_TEMPO)
        if stems:
            source = FROM_MIDI
            local = []
            for stem in stems:
                files.workdir = folder
                local.append(files.fetch(stem, "midi"))
            parts = _midi_parts(local, SPAN_S)
        else:
            source = FROM_MIX
            audio = audio or excerpt(artist_id, track_id, folder / "span.wav")
            found_notes = midi.transcribe(audio, tempo_bpm=tempo).notes
            parts = [[[round(n.start_s, 4), round(n.end_s, 4), int(n.pitch), int(n.velocity)]
                      for n in found_notes]]
    parts = [p for p in parts if p]
    if not parts:
        raise GenerationRefused(f"no notes were found in {title!r} ({source}): a song needs a "
                                "melody or chords to generate from")
    return {"tempo_bpm": round(tempo, 3), "key": key, "parts": parts, "source": source, "span_s": SPAN_S}


def reference_song(song: Song, notes: dict[str, Any], audio_path: Path | None = None,
                   weight: Fraction | int = 1) -> ReferenceSong:
    """The song as generation takes it: its matched work and holders, its notes, tempo, key and
    relative weight."""
    if not song.match:
        raise GenerationRefused(f"{song.title!r} is not matched to a catalog entry")
    match = song.match
    return ReferenceSong(
        work_id=match["work_id"], tempo_bpm=float(notes["tempo_bpm"]), key=notes.get("key"),
        notes=[[tuple(n) for n in part] for part in notes["parts"]], audio_path=audio_path,
        match_id=match["recording_id"], weight=weight,
        holders={holder: Fraction(str(value)) for holder, value in (match.get("holders") or {}).items()}
        or None)
