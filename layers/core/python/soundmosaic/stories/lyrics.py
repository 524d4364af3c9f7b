"""Albums and their lyrics as the stories room takes them: cleaned, bounded, English, never empty.

Lyrics arrive typed, as a ``.txt`` or ``.lrc`` file (timestamps and ``[ar:...]`` tags dropped),
or from the audio lab's transcription of a library track (``lyrics/lyrics.txt`` under the
track's prefix). Every line goes through the studio's ``briefs.clean`` (NFKC, no control or
bidi characters, bounded). A song's lyrics are refused with a reason when they are empty, not
English (the writers' room's function-word test, extended with the common European languages),
or longer than ``MAX_LINES`` / ``MAX_CHARS`` (a 10,000-line file is refused before any parsing
beyond counting). Owned by the stories room (docs/stories.md).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from soundmosaic.providers.offline import lexicon
from soundmosaic.studio.briefs import BriefError, clean

MAX_SONGS = 30
MAX_LINES = 400  # a long rap verse-heavy song has ~150 lines
MAX_LINE = 300
MAX_CHARS = 40_000
MAX_FILE_BYTES = 256 * 1024
MAX_TITLE = 120
MAX_DESCRIPTION = 2000

_LRC_TIME = re.compile(r"\[\d{1,3}:\d{2}(?:[.:]\d{1,3})?\]|<\d{1,3}:\d{2}(?:[.:]\d{1,3})?>")
_LRC_TAG = re.compile(r"^\s*\[(?:ar|ti|al|au|by|re|ve|length|offset|#)\s*:[^\]]*\]\s*$", re.I)
_SECTION = re.compile(r"^\s*[\[(](?:verse|chorus|bridge|intro|outro|hook|pre-chorus|refrain)[^\])]*[\])]\s*$",
                      re.I)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# Function words per language: the language with most hits wins (English must win clearly).
_FUNCTION_WORDS = {
    "en": lexicon.words("the and is not she he you with on a an to of has we what but it was her "
                        "his they that my me i your in are be this for all"),
    "de": lexicon.words("der die das und ist nicht sie ich du er mit auf ein eine zu den dem von "
                        "hat sich wir was aber noch auch mein dein"),
    "es": lexicon.words("el la los las y es no ella yo tú tu con en un una de que por para mi "
                        "pero como del se me te"),
    "fr": lexicon.words("le la les et est ne pas elle je tu il avec sur un une de du que pour "
                        "mon ma mais dans des nous vous"),
    "it": lexicon.words("il lo la gli le e è non lei io tu lui con su un una di che per mio "
                        "mia ma come nel sono"),
    "pt": lexicon.words("o a os as e é não ela eu tu ele com em um uma de que por para meu "
                        "minha mas como do da"),
}
_NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French", "it": "Italian",
          "pt": "Portuguese"}


class LyricsError(BriefError):
    """Lyrics or an album a user must fix (a 400, never retried); the message names the song."""


@dataclass(frozen=True)
class Song:
    title: str
    lines: tuple[str, ...]
    track_id: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Album:
    title: str
    artist_name: str
    description: str
    songs: tuple[Song, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "songs": [{"title": s.title, "lyrics": s.text, "track_id": s.track_id}
                                          for s in self.songs]}


def language(text: str) -> str:
    """The language code whose function words are most frequent ('en', 'de', 'es', 'fr', 'it',
    'pt'), or '' when too few words are known to tell. Non-Latin scripts are 'other'."""
    letters = [ch for ch in text[:20_000] if ch.isalpha()]
    if letters and sum(1 for ch in letters if ord(ch) > 0x24F) > len(letters) / 2:
        return "other"
    words = [w.lower() for w in _WORD.findall(text[:20_000])]
    hits = {code: sum(w in vocab for w in words) for code, vocab in _FUNCTION_WORDS.items()}
    best = max(hits, key=lambda code: hits[code])
    if hits[best] < 2:
        return ""
    return best


def split_lines(raw: str, where: str) -> list[str]:
    """Lyric lines from typed text or a .txt/.lrc file: timestamps, tags and section labels
    dropped, each line cleaned; bounded before anything else is done."""
    if not isinstance(raw, str):
        raise LyricsError(f"{where}: lyrics must be text")
    count = raw.count("\n") + 1
    if count > MAX_LINES * 3:  # blank lines and LRC tags are allowed some slack before cleaning
        raise LyricsError(f"{where}: lyrics have {count:,} lines; the limit is {MAX_LINES}")
    if len(raw) > MAX_CHARS * 2:
        raise LyricsError(f"{where}: lyrics are {len(raw):,} characters; the limit is {MAX_CHARS:,}")
    lines = []
    for line in raw.splitlines():
        if _LRC_TAG.match(line) or _SECTION.match(line):
            continue
        text = clean(_LRC_TIME.sub(" ", line)[: MAX_LINE * 2], where, MAX_LINE * 2)[:MAX_LINE].strip()
        if text:
            lines.append(text)
    if len(lines) > MAX_LINES:
        raise LyricsError(f"{where}: lyrics have {len(lines):,} lines; the limit is {MAX_LINES}")
    return lines


def song(title: Any, lyrics: Any, index: int, track_id: str | None = None) -> Song:
    where = f"song {index + 1}"
    name = clean(title, f"{where} title", MAX_TITLE, required=True)
    where = f"song {index + 1} ({name})"
    lines = split_lines(lyrics if lyrics is not None else "", where)
    if not lines or not _WORD.search(" ".join(lines)):
        raise LyricsError(f"{where}: the lyrics are empty; type them, upload a .txt/.lrc file or "
                          "take the audio lab's transcription of a track")
    found = language("\n".join(lines))
    if found and found != "en":
        raise LyricsError(f"{where}: the lyrics look {_NAMES.get(found, 'non-Latin-script')}, not "
                          "English; stories are written from English lyrics (add an English "
                          "translation as the lyrics)")
    return Song(name, tuple(lines), track_id)


def album(data: Any) -> Album:
    """An album from ``{"title", "artist_name", "description", "songs": [{"title", "lyrics"}]}``;
    every song's problem is reported at once."""
    if not isinstance(data, dict):
        raise LyricsError("the album must be an object with title, artist_name, description and songs")
    songs_in = data.get("songs")
    if not isinstance(songs_in, list) or not songs_in:
        raise LyricsError("the album has no songs")
    if len(songs_in) > MAX_SONGS:
        raise LyricsError(f"the album has {len(songs_in)} songs; the limit is {MAX_SONGS}")
    problems, songs = [], []
    for i, item in enumerate(songs_in):
        if not isinstance(item, dict):
            problems.append(f"song {i + 1}: not an object")
            continue
        try:
            songs.append(song(item.get("title"), item.get("lyrics"), i, item.get("track_id")))
        except BriefError as err:
            problems.append(str(err))
    if problems:
        raise LyricsError("; ".join(problems[:10]))
    return Album(clean(data.get("title"), "title", MAX_TITLE, required=True),
                 clean(data.get("artist_name"), "artist_name", MAX_TITLE, required=True),
                 clean(data.get("description", ""), "description", MAX_DESCRIPTION), tuple(songs))


def from_file(filename: str, data: bytes) -> str:
    """The text of an uploaded .txt or .lrc lyric file (UTF-8 or a BOM'd UTF-16)."""
    if not filename.lower().endswith((".txt", ".lrc")):
        raise LyricsError(f"{filename[:80]}: lyric files are .txt or .lrc")
    if len(data) > MAX_FILE_BYTES:
        raise LyricsError(f"{filename[:80]}: {len(data):,} bytes; lyric files are at most "
                          f"{MAX_FILE_BYTES // 1024} KiB")
    from soundmosaic.writers.parse import ScriptRejected, decode

    try:
        return decode(data)
    except (ScriptRejected, UnicodeDecodeError) as err:
        raise LyricsError(f"{filename[:80]}: {err}") from err
