"""Song generation from ten matched songs, with the provenance the royalty split reads.

``generate(mosaic, songs, track_id=...)`` checks that there are exactly ten songs and that every
one is matched to its catalog entry (else ``GenerationRefused`` with the reason), builds a
``MusicRequest`` (each song's melodic-stem notes from the audio lab's MIDI stage, tempo, key and
an optional audio file for melody conditioning), calls ``mosaic.music`` and returns the audio
with a ``Provenance`` built from ``MusicResult.influence``.

Melody conditioning uses all ten songs by weight: ``conditioning_clip`` cuts one segment from each
song's audio, ``CONDITIONING_S`` long in all, each segment's length the song's share of the
weights, and joins them with ffmpeg into one mono 32 kHz WAV that an audio model (MusicGen's
``input_audio``) conditions on. The offline engine uses the notes at the same weights.

Two weightings, kept apart on purpose:

- ``InfluencePolicy`` (default songs 85/100, catalog 15/100): how much the *music model* leans on
  the ten songs versus its training catalog. The songs share theirs by their ``weight`` (equal by
  default). This is what the engine trains with and what it reports back.
- ``provenance.Policy`` (default 67/100 reference, 33/100 training): how the *royalties* are
  split between the two pools. The provenance records, within each pool, every work's share of
  the influence the engine reported (reference works' influence normalised over the ten; catalog
  works' over the catalog), so the split reads the engine's weights at the royalty policy's ratio.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from soundmosaic.platform import untrusted_media
from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.providers.types import MusicReference, MusicRequest, MusicResult, Note
from soundmosaic.royalties.provenance import (
    DEFAULT_POLICY,
    Influence,
    Policy,
    Provenance,
    ShareLike,
    Work,
    share,
)

REFERENCE_SONGS = 10
CONDITIONING_S = 30.0  # the melody-conditioning clip: every song's segment, its length by weight
CONDITIONING_RATE = 32000  # MusicGen's sample rate


class GenerationRefused(ValueError):
    """The songs cannot be used for generation; the message says why."""


@dataclass(frozen=True)
class InfluencePolicy:
    """The music model's weighting: the ten songs against the training catalog (sum to 1)."""

    songs: Fraction = Fraction(85, 100)
    catalog: Fraction = Fraction(15, 100)

    def __post_init__(self) -> None:
        object.__setattr__(self, "songs", share(self.songs))
        object.__setattr__(self, "catalog", share(self.catalog))
        if self.songs + self.catalog != 1:
            raise GenerationRefused(f"influence {self.songs} + {self.catalog} is not exactly 1")
        if self.songs <= self.catalog:
            raise GenerationRefused(f"the songs must carry most of the influence, got {self.songs}")


DEFAULT_INFLUENCE = InfluencePolicy()


@dataclass(frozen=True)
class ReferenceSong:
    """One of the ten songs. ``notes``: one note list per melodic stem, as the audio lab's MIDI
    stage gives them (``(start_s, end_s, pitch, velocity)`` or objects with those attributes), or
    ``midi_paths``: its ``.mid`` files. ``audio_path``: its audio (the start is cut for melody
    conditioning). ``match_id``: the catalog entry it is matched to (None: unmatched).
    ``holders``: its rights holders' shares (default: the work itself)."""

    work_id: str
    tempo_bpm: float
    key: str | None = None
    notes: Sequence[Sequence[object]] = ()
    midi_paths: Sequence[Path] = ()
    audio_path: Path | None = None
    match_id: str | None = None
    holders: Mapping[str, ShareLike] | None = None
    weight: ShareLike = 1


@dataclass(frozen=True)
class Generation:
    audio: bytes
    content_type: str
    seconds: float
    seed: int
    midi: bytes | None
    influence: dict[str, Fraction]  # everything the model was influenced by, sums to 1
    provenance: Provenance
    result: MusicResult = field(repr=False)


def check(songs: Sequence[ReferenceSong], expected: int = REFERENCE_SONGS) -> None:
    """Refuse unless there are exactly ``expected`` distinct songs, all matched, all with notes."""
    if len(songs) != expected:
        raise GenerationRefused(f"generation needs exactly {expected} songs, got {len(songs)}")
    ids = [s.work_id for s in songs]
    if len(set(ids)) != len(ids):
        raise GenerationRefused("a song is listed twice")
    unmatched = [s.work_id for s in songs if not s.match_id]
    if unmatched:
        raise GenerationRefused(f"{len(unmatched)} song(s) not matched to a catalog entry: "
                                f"{', '.join(unmatched)}; match or remove them first")
    empty = [s.work_id for s in songs if not s.notes and not s.midi_paths]
    if empty:
        raise GenerationRefused(f"no notes for {', '.join(empty)}: run the MIDI stage first")


def build_request(songs: Sequence[ReferenceSong], *, influence: InfluencePolicy = DEFAULT_INFLUENCE,
                  seconds: float = 30.0, seed: int | None = None, fmt: str = "wav",
                  prompt: str = "") -> MusicRequest:
    check(songs)
    references = tuple(
        MusicReference(work_id=s.work_id, weight=share(s.weight), parts=_parts(s), tempo_bpm=s.tempo_bpm,
                       key=s.key) for s in songs)
    if not any(r.weight for r in references):
        raise GenerationRefused("the songs' weights sum to zero")
    clip, plan = (conditioning_clip(songs) if any(s.audio_path for s in songs) else (None, ()))
    return MusicRequest(references=references, prompt=prompt, catalog_weight=influence.catalog,
                        seconds=seconds, seed=seed, format=fmt, conditioning=clip, conditioning_plan=plan)


def segment_seconds(songs: Sequence[ReferenceSong], total: float = CONDITIONING_S) -> list[tuple[str, float]]:
    """Each song's segment length in the conditioning clip: ``total`` shared by weight, in whole
    samples (the last song takes the rounding, so the lengths add up to ``total`` exactly)."""
    weights = [share(s.weight) for s in songs]
    whole = sum(weights, Fraction(0))
    if not whole:
        raise GenerationRefused("the songs' weights sum to zero")
    samples = round(total * CONDITIONING_RATE)
    counts = [int(samples * w / whole) for w in weights]
    last = max(i for i, w in enumerate(weights) if w)
    counts[last] += samples - sum(counts)
    return [(s.work_id, n / CONDITIONING_RATE) for s, n in zip(songs, counts, strict=True)]


def conditioning_clip(songs: Sequence[ReferenceSong],
                      total: float = CONDITIONING_S) -> tuple[bytes, tuple[tuple[str, float], ...]]:
    """One mono 32 kHz 16-bit WAV of every weighted song's opening, each ``segment_seconds``
    long (a song shorter than its segment is padded with silence, so the shares stay exact)."""
    plan = [(s, seconds) for s, (_, seconds) in zip(songs, segment_seconds(songs, total), strict=True)
            if seconds > 0]
    missing = [s.work_id for s, _ in plan if not s.audio_path]
    if missing:
        raise GenerationRefused(f"no audio for melody conditioning of {', '.join(missing)}")
    inputs: list[str] = []
    chains: list[str] = []
    for i, (song, seconds) in enumerate(plan):
        assert song.audio_path is not None
        inputs += ["-t", f"{seconds + 1:.3f}", *untrusted_media.input_args(song.audio_path)]
        samples = round(seconds * CONDITIONING_RATE)
        chains.append(f"[{i}:a:0]aformat=sample_fmts=s16:sample_rates={CONDITIONING_RATE}:channel_layouts=mono,"
                      f"apad=whole_len={samples},atrim=end_sample={samples},asetpts=N/SR/TB[s{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[s{i}]" for i in range(len(plan))) + \
        f"concat=n={len(plan)}:v=0:a=1[out]"
    with tempfile.TemporaryDirectory(prefix="conditioning-") as folder:
        out = Path(folder) / "clip.wav"  # a file, not a pipe: the WAV header then states its length
        done = untrusted_media.run(["ffmpeg", "-nostdin", "-v", "error", *inputs, "-filter_complex", graph,
                                    "-map", "[out]", "-map_metadata", "-1", "-bitexact", "-c:a", "pcm_s16le",
                                    str(out)], capture_output=True, timeout=300)
        if done.returncode or not out.exists():
            raise GenerationRefused(f"cannot build the conditioning clip: "
                                    f"{done.stderr.decode(errors='replace')[-200:]}")
        clip = out.read_bytes()
    return clip, tuple((s.work_id, round(seconds, 4)) for s, seconds in plan)


def generate(mosaic: ModelMosaic, songs: Sequence[ReferenceSong], *, track_id: str,
             influence: InfluencePolicy = DEFAULT_INFLUENCE, policy: Policy = DEFAULT_POLICY,
             seconds: float = 30.0, seed: int | None = None, fmt: str = "wav", prompt: str = "",
             catalog_holder: str = "catalog") -> Generation:
    """Generate, and record each work's influence (see the module docstring)."""
    request = build_request(songs, influence=influence, seconds=seconds, seed=seed, fmt=fmt, prompt=prompt)
    result = mosaic.music(request)
    record = provenance(track_id, songs, result.influence, policy, catalog_holder)
    return Generation(result.audio, result.content_type, result.seconds, result.seed, result.midi,
                      dict(result.influence), record, result)


def provenance(track_id: str, songs: Sequence[ReferenceSong], weights: Mapping[str, Fraction],
               policy: Policy = DEFAULT_POLICY, catalog_holder: str = "catalog") -> Provenance:
    """Reference works' and catalog works' influence, each normalised within its pool.

    Catalog works (public-domain corpus, a model's training data) are held by ``catalog_holder``.
    """
    by_id = {s.work_id: s for s in songs}
    ours = {k: Fraction(v) for k, v in weights.items() if k in by_id}
    theirs = {k: Fraction(v) for k, v in weights.items() if k not in by_id}
    if set(ours) != set(by_id):
        raise GenerationRefused(f"the engine reported no influence for {sorted(set(by_id) - set(ours))}")
    reference = tuple(Influence(Work(k, by_id[k].holders or {k: 1}), w / sum(ours.values()))
                      for k, w in ours.items())
    total = sum(theirs.values(), Fraction(0))
    training = tuple(Influence(Work(k, {catalog_holder: 1}), w / total) for k, w in theirs.items() if total)
    return Provenance(track_id=track_id, reference=reference, training=training, policy=policy)


def _parts(song: ReferenceSong) -> tuple[tuple[Note, ...], ...]:
    parts = [tuple(_note(n) for n in part) for part in song.notes]
    for path in song.midi_paths:
        import pretty_midi

        midi = pretty_midi.PrettyMIDI(str(path))
        parts += [tuple((n.start, n.end, n.pitch, n.velocity) for n in inst.notes)
                  for inst in midi.instruments if not inst.is_drum and inst.notes]
    parts = [p for p in parts if p]
    if not parts:
        raise GenerationRefused(f"no notes for {song.work_id}")
    return tuple(parts)


def _note(note: object) -> Note:
    if isinstance(note, tuple | list):
        start, end, pitch, velocity = note[:4]
    else:  # soundmosaic.audio.midi.Note
        start, end = note.start_s, note.end_s  # type: ignore[attr-defined]
        pitch, velocity = note.pitch, note.velocity  # type: ignore[attr-defined]
    return float(start), float(end), int(pitch), int(velocity)
