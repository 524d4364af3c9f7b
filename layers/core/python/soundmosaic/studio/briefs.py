"""Briefs: what an artist asks the studio for, cleaned of hostile text before any model sees it.

User text reaches language and image models, file names, S3 metadata and a contact sheet, so
every field is normalised (NFKC), stripped of control and format characters (bidi overrides,
zero-width joiners, NULs), collapsed to single spaces and bounded in length. Models receive it
as delimited JSON data (``as_data_block``), never spliced into their instructions.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

MAX_NAME = 120  # artist name, title
MAX_WORD = 60  # genre, mood, one theme
MAX_THEMES = 10
MAX_PROMPT = 1000
DATA_OPEN, DATA_CLOSE = "<<<BRIEF", "BRIEF>>>"
_SPACES = re.compile(r"\s+")


class BriefError(ValueError):
    """A brief a user must fix (a 400, never retried)."""


def clean(value: Any, name: str, limit: int, required: bool = False) -> str:
    """One line of safe text: NFKC, no control/format characters, single spaces, bounded."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BriefError(f"{name} must be text")
    text = unicodedata.normalize("NFKC", value)
    # Cc: controls (NUL, ESC, newlines -> spaces below); Cf: format (bidi overrides, zero width);
    # Co/Cs/Cn: private use, surrogates, unassigned. None of them belong in a title or prompt.
    text = "".join(" " if ch in "\t\r\n" else ch for ch in text
                   if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Cn"))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        raise BriefError(f"{name} is {len(text)} characters; the limit is {limit}")
    if required and not text:
        raise BriefError(f"{name} is required")
    return text


def clean_list(values: Any, name: str, limit: int, max_items: int) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        raise BriefError(f"{name} must be a list")
    if len(values) > max_items:
        raise BriefError(f"{name} has {len(values)} entries; the limit is {max_items}")
    cleaned = [clean(v, f"{name}[{i}]", limit) for i, v in enumerate(values)]
    return list(dict.fromkeys(v for v in cleaned if v))


@dataclass(frozen=True)
class Brief:
    """Who the asset is for and what it should feel like. ``bpm``/``key`` come from the audio
    lab's analysis of a library track when one is named."""

    artist_name: str
    genre: str = ""
    mood: str = ""
    themes: tuple[str, ...] = ()
    prompt: str = ""
    title: str = ""
    track_id: str | None = None
    bpm: float | None = None
    key: str | None = None

    @staticmethod
    def create(artist_name: Any, genre: Any = "", mood: Any = "", themes: Any = None,
               prompt: Any = "", title: Any = "", track_id: str | None = None,
               prompt_required: bool = False) -> Brief:
        return Brief(
            artist_name=clean(artist_name, "artist_name", MAX_NAME, required=True),
            genre=clean(genre, "genre", MAX_WORD),
            mood=clean(mood, "mood", MAX_WORD),
            themes=tuple(clean_list(themes, "themes", MAX_WORD, MAX_THEMES)),
            prompt=clean(prompt, "prompt", MAX_PROMPT, required=prompt_required),
            title=clean(title, "title", MAX_NAME),
            track_id=track_id,
        )

    def with_analysis(self, track_id: str, bpm: float | None, key: str | None) -> Brief:
        """The brief for a library track, with the audio lab's tempo and key when it has them."""
        return Brief(**{**asdict(self), "themes": self.themes, "track_id": track_id, "bpm": bpm, "key": key})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without empty fields (what models and sidecar files receive)."""
        data = {**asdict(self), "themes": list(self.themes)}
        return {k: v for k, v in data.items() if v not in (None, "", [], {})}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Brief:
        """A brief stored by ``as_dict`` (already clean, but cleaned again: stored files can be
        edited by hand)."""
        brief = Brief.create(data.get("artist_name"), data.get("genre", ""), data.get("mood", ""),
                             data.get("themes"), data.get("prompt", ""), data.get("title", ""),
                             data.get("track_id"))
        return Brief(**{**asdict(brief), "themes": brief.themes,
                        "bpm": data.get("bpm"), "key": data.get("key")})


def as_data_block(data: dict[str, Any]) -> str:
    """User data for a model prompt: JSON between fixed markers. JSON escaping keeps a quote or
    a marker inside the data from closing the block."""
    body = json.dumps(data, ensure_ascii=True, sort_keys=True, indent=1)
    body = body.replace(DATA_OPEN, "<<< BRIEF").replace(DATA_CLOSE, "BRIEF >>>")
    return f"{DATA_OPEN}\n{body}\n{DATA_CLOSE}"
