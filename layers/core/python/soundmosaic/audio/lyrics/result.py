"""What a transcription is: segments of words, each word with its times and probability."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass
class Segment:
    text: str
    start_s: float
    end_s: float
    words: list[Word] = field(default_factory=list)
    source: str = ""  # "stem" or "mix": which signal's hypothesis was kept ("" without a mix)


@dataclass
class Lyrics:
    language: str  # ISO 639-1 as Whisper names it ("en"); "" when there was nothing to hear
    language_probability: float
    segments: list[Segment]
    engine: str
    model: str

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)
