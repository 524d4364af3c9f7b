"""Music for one planned track: MusicGen on Replicate in a sliding window, or the offline engine.

Provider path (ModelMosaic ``music`` is a Replicate MusicGen entry): MusicGen makes at most
``WINDOW_S`` (30 s) at a time. A longer track is made window by window; each new window is
conditioned (MusicGen's melody input) on the last ``CONDITION_S`` seconds of the previous one and
overlaps it by ``OVERLAP_S``, where the two are crossfaded with an equal-power curve. Temporal
coherence is weaker than in one window (the customer's own caveat); the seam is smooth.

Offline path: the song generation's symbolic engine (``providers.offline.music``: the
weighted Markov model trained on the Bach chorale catalog) is trained once, then placed in the
plan's key, mode and tempo; its MIDI is re-orchestrated for the plan's instrumentation (General
MIDI programs found by name; drums only where named or the mood is driving) with the mood's
dynamics, and rendered with FluidSynth. The result says ``engine`` is the offline engine.

Both return 16-bit WAV of exactly the track's seconds.
"""

from __future__ import annotations

import functools
import io
import wave
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from soundmosaic.providers import ModelMosaic
from soundmosaic.providers.types import MusicReference, MusicRequest

WINDOW_S = 30.0
OVERLAP_S = 4.0
CONDITION_S = 10.0
OFFLINE_ENGINE = "offline: symbolic Markov model (song generation's engine) + FluidSynth GM"
# Instruments by a word in their name -> General MIDI program (0-based). Longest words first.
GM_PROGRAMS: dict[str, int] = {
    "electric piano": 4,
    "rhodes": 4,
    "piano": 0,
    "vibraphone": 11,
    "marimba": 12,
    "bells": 14,
    "organ": 16,
    "nylon guitar": 24,
    "acoustic guitar": 25,
    "distorted guitar": 30,
    "guitar": 27,
    "double bass": 32,
    "synth bass": 38,
    "bass": 33,
    "violin": 40,
    "fiddle": 40,
    "cello": 42,
    "harp": 46,
    "strings": 48,
    "choir": 52,
    "voice": 53,
    "trumpet": 56,
    "brass": 61,
    "saxophone": 65,
    "sax": 65,
    "clarinet": 71,
    "flute": 73,
    "synth lead": 81,
    "lead": 81,
    "synth pad": 89,
    "pad": 89,
    "sitar": 104,
    "kalimba": 108,
}
BASS_PROGRAMS = {32, 33, 38}
DRIVING_MOODS = {"euphoric", "energetic", "angry", "playful"}
SOFT_MOODS = {"calm", "dreamy", "melancholic", "romantic"}


class MusicFailed(RuntimeError):
    """The track's music could not be made (the provider's reason inside)."""


@dataclass
class Track:
    wav: bytes
    engine: str
    provider: str
    model: str
    cost_usd: str = "0"
    details: dict[str, Any] = field(default_factory=dict)


def make(
    mosaic: ModelMosaic, soundscape: dict[str, Any], prompt: str, seconds: int, seed: int, work_id: str
) -> Track:
    entry = mosaic.entry("music")
    if entry.offline:
        return offline(soundscape, seconds, seed)
    return sliding_window(mosaic, soundscape, prompt, seconds, seed, work_id)


# --- provider path: MusicGen in windows --------------------------------------------------------


def windows(seconds: float) -> list[float]:
    """The length of each window asked for: the first up to 30 s, each next one overlapping the
    previous by ``OVERLAP_S``, until the track's length is reached."""
    made, out = 0.0, list[float]()
    while made < seconds - 1e-9:
        length = min(WINDOW_S, seconds - made + (OVERLAP_S if out else 0.0))
        length = max(length, OVERLAP_S + 1.0) if out else length
        out.append(round(length, 3))
        made += length - (OVERLAP_S if len(out) > 1 else 0.0)
    return out


def sliding_window(
    mosaic: ModelMosaic, soundscape: dict[str, Any], prompt: str, seconds: int, seed: int, work_id: str
) -> Track:
    reference = _reference(soundscape, work_id)
    audio: np.ndarray | None = None
    rate = 0
    cost = Fraction(0)
    provider = model = ""
    plan = windows(seconds)
    for index, length in enumerate(plan):
        conditioning = None if audio is None else _wav(audio[-int(CONDITION_S * rate) :], rate)
        request = MusicRequest(
            references=(reference,),
            prompt=prompt,
            catalog_weight=Fraction(0),
            seconds=length,
            seed=seed + index,
            format="wav",
            conditioning=conditioning,
            conditioning_plan=(("previous-window", CONDITION_S),) if conditioning else (),
        )
        result = mosaic.music(request)
        provider, model = result.provider, result.model
        cost += Fraction(str(result.record.cost_usd))
        chunk, chunk_rate = _samples(result.audio)
        if audio is None:
            audio, rate = chunk, chunk_rate
        else:
            if chunk_rate != rate:
                raise MusicFailed(f"window {index + 1} came back at {chunk_rate} Hz, the first at {rate} Hz")
            audio = crossfade(audio, chunk, int(OVERLAP_S * rate))
    assert audio is not None
    target = int(seconds * rate)
    audio = np.pad(audio, ((0, max(0, target - len(audio))), (0, 0)))[:target]
    return Track(
        _wav(audio, rate),
        f"{provider}:{model}",
        provider,
        model,
        str(float(cost)),
        {"windows_s": plan, "overlap_s": OVERLAP_S, "condition_s": CONDITION_S, "sample_rate": rate},
    )


def crossfade(first: np.ndarray, second: np.ndarray, overlap: int) -> np.ndarray:
    """``first`` then ``second``, their ``overlap`` samples mixed with an equal-power fade."""
    overlap = min(overlap, len(first), len(second))
    if overlap == 0:
        return np.concatenate([first, second])
    t = np.linspace(0.0, np.pi / 2, overlap)[:, None]
    mixed = first[-overlap:] * np.cos(t) + second[:overlap] * np.sin(t)
    return np.concatenate([first[:-overlap], mixed, second[overlap:]])


def _reference(soundscape: dict[str, Any], work_id: str) -> MusicReference:
    """The plan's soundscape as the request's one reference: its tonic triad at its tempo (the
    offline engine would read it; MusicGen reads the prompt)."""
    from soundmosaic.providers.offline.music_model import parse_key

    tonic, mode = parse_key(soundscape["key"])
    beat = 60 / soundscape["tempo_bpm"]
    third = 3 if mode == "minor" else 4
    notes = tuple(
        (i * beat, (i + 1) * beat, 60 + tonic + step, 80) for i, step in enumerate((0, third, 7, 12))
    )
    return MusicReference(
        work_id=work_id,
        weight=Fraction(1),
        parts=(notes,),
        tempo_bpm=float(soundscape["tempo_bpm"]),
        key=soundscape["key"],
    )


def _samples(wav_bytes: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(wav_bytes)) as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        if reader.getsampwidth() != 2:
            raise MusicFailed("the music model did not answer 16-bit WAV")
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, channels)
    if channels == 1:
        frames = np.repeat(frames, 2, axis=1)
    return frames.astype(np.float64), rate


def _wav(audio: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(audio.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.clip(np.round(audio), -32768, 32767).astype("<i2").tobytes())
    return buffer.getvalue()


# --- offline path ------------------------------------------------------------------------------


@functools.cache
def trained(mode: str) -> Any:
    """The song generation engine's model over its Bach chorale catalog, trained once per mode.

    ``train`` takes the mode of the heaviest key vote; a weighted piece with no notes votes for
    ``mode`` without adding anything to the tables (the other pieces are read in that mode)."""
    from soundmosaic.providers.offline import music_catalog
    from soundmosaic.providers.offline.music_model import Piece, piece, train

    works = music_catalog.load()
    pieces = [
        piece(w.work_id, 1 / len(works), w.parts, music_catalog.CATALOG_TEMPO, w.key, False) for w in works
    ]
    return train([*pieces, Piece("album-plan-mode", 2.0, 0, mode, None, [], [])])


def programs(instrumentation: list[str]) -> tuple[list[int], bool]:
    """GM programs for the named instruments (in order, each once) and whether drums are named."""
    found: list[int] = []
    drums = False
    for name in instrumentation:
        lowered = name.casefold()
        if any(w in lowered for w in ("drum", "percussion", "beat", "kit")):
            drums = True
            continue
        for word in sorted(GM_PROGRAMS, key=len, reverse=True):
            if word in lowered:
                if GM_PROGRAMS[word] not in found:
                    found.append(GM_PROGRAMS[word])
                break
    return found, drums


def orchestrate(midi: bytes, instrumentation: list[str], mood: str) -> tuple[bytes, dict[str, Any]]:
    """The engine's melody/pad/bass/drums MIDI with the plan's instruments and the mood's dynamics."""
    import pretty_midi

    song = pretty_midi.PrettyMIDI(io.BytesIO(midi))
    named, drums_named = programs(instrumentation)
    basses = [p for p in named if p in BASS_PROGRAMS]
    melodic = [p for p in named if p not in BASS_PROGRAMS] or [0]
    roles = {
        "melody": melodic[0],
        "pad": melodic[1] if len(melodic) > 1 else melodic[0],
        "bass": basses[0] if basses else 33,
    }
    keep_drums = drums_named or mood in DRIVING_MOODS
    scale = 0.7 if mood in SOFT_MOODS else 1.1 if mood in DRIVING_MOODS else 0.9
    melody, pad, bass = song.instruments[0], song.instruments[1], song.instruments[2]
    melody.program, pad.program, bass.program = roles["melody"], roles["pad"], roles["bass"]
    extra = melodic[2:]
    for program in extra:  # further instruments double the pad's chords an octave up, softly
        doubled = pretty_midi.Instrument(program=program)
        doubled.notes = [
            pretty_midi.Note(max(1, n.velocity - 20), min(127, n.pitch + 12), n.start, n.end)
            for n in pad.notes
        ]
        song.instruments.append(doubled)
    if not keep_drums:
        song.instruments = [i for i in song.instruments if not i.is_drum]
    for inst in song.instruments:
        for note in inst.notes:
            note.velocity = int(max(1, min(127, note.velocity * scale)))
    out = io.BytesIO()
    song.write(out)
    return out.getvalue(), {
        "programs": {**roles, "doubling": extra},
        "drums": keep_drums,
        "velocity_scale": scale,
    }


def score(soundscape: dict[str, Any], seconds: float, seed: int) -> tuple[bytes, dict[str, Any]]:
    """The track's MIDI from the song generation engine, in the plan's key, tempo and instruments."""
    from soundmosaic.providers.offline.music import compose
    from soundmosaic.providers.offline.music_model import parse_key

    tonic, mode = parse_key(soundscape["key"])
    model = replace(trained(mode), tonic=tonic, tempo_bpm=float(soundscape["tempo_bpm"]))
    return orchestrate(
        compose(model, seconds, seed), list(soundscape["instrumentation"]), str(soundscape["mood"])
    )


def offline(soundscape: dict[str, Any], seconds: int, seed: int) -> Track:
    from soundmosaic.providers.offline.music import render

    midi, details = score(soundscape, float(seconds), seed)
    wav = render(midi, float(seconds), "wav")
    facts = {
        **details,
        "key": soundscape["key"],
        "tempo_bpm": soundscape["tempo_bpm"],
        "midi_bytes": len(midi),
    }
    return Track(wav, OFFLINE_ENGINE, "offline", "offline-album-symbolic-v1", "0", facts)
