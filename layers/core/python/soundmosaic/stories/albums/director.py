"""The director: plans an album from a concept, through the ``text`` capability or offline.

``plan(mosaic, concept, constraints, templates)`` returns ``(plan, engine)``. When ModelMosaic's
``text`` entry is an LLM (Anthropic, OpenAI), the director sends the project's templates
(``templates.render``: the concept travels as a delimited data block, never as instructions)
and validates the JSON object it gets back against the plan schema; a reply that is not JSON
or fails the schema is a ``PlanError`` naming each field. Otherwise the offline director plans
from lexicons: genre and mood from the concept (the studio's lexicons), a mood arc, a
soundscape per track from genre and mood profiles (tempo, key, instruments), titles from the
studio's name engine, descriptions and prompts from templates filled with the concept's theme
words. It is honestly labelled ``engine: "offline"``; it writes no prose an LLM would.

Concept sentences that read as instructions to a model ("ignore previous instructions", "you
are now...") are dropped by the offline director (the name engine's own filter), and the LLM
director's system prompt says the data block is data.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from soundmosaic.providers import ModelMosaic, TextRequest
from soundmosaic.providers.offline import lexicon
from soundmosaic.providers.offline import names as name_engine
from soundmosaic.stories.albums import templates as prompt_templates
from soundmosaic.stories.albums.plan import Constraints, PlanError, validate

OFFLINE_ENGINE = "offline"
OFFLINE_DETAIL = "offline director: genre/mood lexicons, soundscape profiles and the studio's name engine"
DEFAULT_STYLE = (
    "painterly digital collage with film grain, soft rim light, a restrained palette "
    "and generous negative space, the same hand across every image"
)
NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

# genre -> (tempo centre in BPM, instruments the genre leans on, colour words for the style)
GENRES: dict[str, tuple[int, tuple[str, ...]]] = {
    "electronic": (122, ("synth pad", "synth bass", "synth lead", "drums")),
    "hiphop": (88, ("electric piano", "synth bass", "drums", "strings")),
    "lofi": (78, ("electric piano", "bass", "drums", "vibraphone")),
    "rock": (128, ("distorted guitar", "bass", "drums", "organ")),
    "pop": (112, ("piano", "synth pad", "bass", "drums")),
    "jazz": (104, ("piano", "double bass", "saxophone", "drums")),
    "folk": (96, ("acoustic guitar", "violin", "bass", "flute")),
    "rnb": (90, ("electric piano", "bass", "strings", "drums")),
    "metal": (150, ("distorted guitar", "bass", "drums", "choir")),
    "ambient": (70, ("synth pad", "strings", "harp", "bells")),
    "country": (108, ("acoustic guitar", "fiddle", "bass", "drums")),
    "classical": (84, ("strings", "piano", "flute", "cello")),
    "latin": (100, ("nylon guitar", "trumpet", "bass", "drums")),
}
# mood -> (tempo change, mode, an instrument that colours it)
MOODS: dict[str, tuple[int, str, str]] = {
    "euphoric": (14, "major", "synth lead"),
    "melancholic": (-16, "minor", "cello"),
    "dark": (-8, "minor", "choir"),
    "calm": (-20, "major", "harp"),
    "energetic": (20, "major", "brass"),
    "angry": (18, "minor", "distorted guitar"),
    "romantic": (-10, "major", "strings"),
    "dreamy": (-14, "major", "bells"),
    "nostalgic": (-6, "major", "electric piano"),
    "mysterious": (-10, "minor", "marimba"),
    "hopeful": (6, "major", "piano"),
    "playful": (12, "major", "marimba"),
}
# where an arc goes from its first mood: the turn in the middle, the resolution at the end
ARCS: dict[str, tuple[str, str]] = {
    "euphoric": ("nostalgic", "hopeful"),
    "melancholic": ("dark", "hopeful"),
    "dark": ("mysterious", "calm"),
    "calm": ("dreamy", "hopeful"),
    "energetic": ("angry", "euphoric"),
    "angry": ("dark", "calm"),
    "romantic": ("melancholic", "romantic"),
    "dreamy": ("mysterious", "calm"),
    "nostalgic": ("melancholic", "hopeful"),
    "mysterious": ("dark", "hopeful"),
    "hopeful": ("energetic", "euphoric"),
    "playful": ("dreamy", "euphoric"),
}
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


def plan(
    mosaic: ModelMosaic, concept: str, constraints: Constraints, templates: dict[str, str], seed: int = 0
) -> tuple[dict[str, Any], str]:
    """A validated plan and the engine that made it (``provider:model`` or ``offline``)."""
    entry = mosaic.entry("text")
    if entry.offline:
        return offline_plan(concept, constraints, seed), OFFLINE_ENGINE
    system, prompt = prompt_templates.render(templates, concept, constraints)
    result = mosaic.text(
        TextRequest(
            task="album_plan",
            system=system,
            prompt=prompt,
            max_tokens=1500 + 700 * constraints.tracks,
            seed=seed,
        )
    )
    made = validate(parse_reply(result.text))
    if len(made["tracks"]) != constraints.tracks:
        raise PlanError(
            [
                f"tracks: the director planned {len(made['tracks'])} tracks; "
                f"{constraints.tracks} were asked for"
            ]
        )
    return made, f"{result.provider}:{result.model}"


def parse_reply(text: str) -> Any:
    """The JSON object in a model's reply (fences and chatter around it are tolerated)."""
    try:
        return json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        if start >= 0 and end > start:
            try:
                return json.loads(text[start : end + 1])
            except ValueError:
                pass
    raise PlanError(["(plan): the director's reply is not a JSON object"])


# --- the offline director ---------------------------------------------------------------------


def safe_sentences(concept: str) -> list[str]:
    """The concept's sentences, without those that read as instructions to a model."""
    return [s for s in _SENTENCES.split(concept) if s.strip() and not name_engine.INJECTION.search(s)]


def _arc(base: str, count: int, asked: tuple[str, ...]) -> list[str]:
    if asked:
        return [asked[min(i * len(asked) // count, len(asked) - 1)] for i in range(count)]
    turn, end = ARCS[base]
    if count == 1:
        return [base]
    return [
        base if i < count / 3 else end if i == count - 1 or i >= 2 * count / 3 + 0.5 else turn
        for i in range(count)
    ]


def _mood_name(word: str) -> str:
    found = lexicon.find(word, lexicon.MOODS, lexicon.MOOD_ALIASES)
    return found.name if found else "dreamy"


def offline_plan(concept: str, constraints: Constraints, seed: int = 0) -> dict[str, Any]:
    """The same plan structure as the LLM's, from lexicons and the studio's name engine."""
    rng = random.Random(f"soundmosaic-album-director:{seed}:{concept}")  # noqa: S311 (reproducible)
    kept = safe_sentences(concept)
    text = " ".join(kept)
    themes = name_engine.theme_words(kept)
    genre_lx = lexicon.find(constraints.genre or text, lexicon.GENRES, lexicon.GENRE_ALIASES)
    genre = genre_lx.name if genre_lx else "ambient"
    base_mood = (
        _mood_name(text)
        if lexicon.find(text, lexicon.MOODS, lexicon.MOOD_ALIASES)
        else rng.choice(sorted(MOODS))
    )
    arc = [_mood_name(m) for m in _arc(base_mood, constraints.tracks, constraints.mood_arc)]
    centre, genre_instruments = GENRES[genre]
    tonic = rng.randrange(12)
    titles = _titles(genre, arc, themes, constraints.tracks + 1, seed)
    album_title = titles[0]
    subject = ", ".join(themes[:3]) or "what the concept leaves unsaid"
    tracks = []
    for number, mood in enumerate(arc, start=1):
        shift, mode, colour = MOODS[mood]
        tempo = max(40, min(220, centre + shift + rng.randint(-6, 6)))
        if number > 1:
            tonic = (tonic + rng.choice((0, 5, 7, 9))) % 12  # stay near: same, fourth, fifth, sixth
        instruments = list(dict.fromkeys([*genre_instruments[:3], colour]))
        mood_lx = lexicon.MOODS[mood]
        adjective, noun = rng.choice(mood_lx.adjectives), rng.choice(mood_lx.nouns)
        theme = themes[(number - 1) % len(themes)] if themes else noun
        title = titles[number]
        key = f"{NOTE_NAMES[tonic]} {mode}"
        place = (
            "opens the album"
            if number == 1
            else (
                "closes the album"
                if number == constraints.tracks
                else f"is track {number} of {constraints.tracks}"
            )
        )
        turn_words = (
            "where the story starts"
            if number == 1
            else "resolving the arc"
            if number == constraints.tracks
            else "as the story turns"
        )
        description = (
            f"{title} {place} in a {mood} register: {adjective} {lexicon.plural(noun)} and {theme}, "
            f"{turn_words}. "
            f"{_join(instruments).capitalize()} carry it at {tempo} BPM in {key}."
        )
        tracks.append(
            {
                "title": title,
                "description": description,
                "soundscape": {"tempo_bpm": tempo, "key": key, "instrumentation": instruments, "mood": mood},
                "image_prompt": f"{adjective} {noun} and {theme}, {mood} atmosphere, "
                f"{rng.choice(mood_lx.colours or ('Silver',)).lower()} light, no text",
                "music_prompt": f"{genre} instrumental, {mood}, {tempo} bpm, {key}, {_join(instruments)}",
                "seconds": constraints.seconds,
            }
        )
    plan_ = {
        "title": album_title,
        "description": (
            f"{album_title} is a {constraints.tracks}-track {genre} album about {subject}. "
            f"It moves from {arc[0]} to {arc[-1]}."
        ),
        "genre": genre,
        "mood_arc": arc,
        "visual_style": DEFAULT_STYLE,
        "cover": {"image_prompt": f"{album_title}: {subject}, {genre} album cover, {arc[0]} to {arc[-1]}"},
        "tracks": tracks,
    }
    return validate(plan_)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _titles(genre: str, arc: list[str], themes: list[str], count: int, seed: int) -> list[str]:
    """The album title and one per track from the studio's name engine, each distinct."""
    seen: set[str] = set()
    titles: list[str] = []
    for index in range(count):
        mood = arc[max(0, index - 1)]
        candidates = name_engine.generate(
            {"genre": genre, "mood": mood, "themes": themes}, 6, seed * 131 + index
        )
        fresh = [c["name"] for c in candidates if c["name"].casefold() not in seen]
        title = (fresh or [f"{candidates[0]['name']} {index}"])[0]
        seen.add(title.casefold())
        titles.append(title)
    return titles
