"""Offline track-name generator: genre and mood lexicons filled into grammar patterns.

``generate(data, count, seed, trends)`` returns ``count`` distinct ``{"name", "rationale"}``;
the rationale says which pattern, lexicons, theme words and trend made the name. Same inputs and
seed give the same names.

Patterns: "The X of Y", one word, adjective + noun, compound word, theme-led, numbers, colour +
noun, verb phrase, parenthetical tag, long sentence title, time and place ("3AM in Lisbon"),
direct address ("Meet Me at the Harbour").

Trends (pattern names from the studio's trends file; spelling is forgiving: case, ``_`` and
spaces are ignored). Pattern trends make their pattern about five times as likely:
``one-word``, ``the-x-of-y``, ``adjective-noun``, ``compound``, ``numbers``, ``colour``
(``color``), ``verb-phrase``, ``parenthetical``, ``long-title``, ``theme``, ``time-and-place``,
``direct-address``. Style trends
rewrite about half of the names: ``lowercase``, ``all-caps``. Unknown trend names are ignored
(``SUPPORTED_TRENDS`` lists the known ones).

Themes are user text and may be hostile: only short letter-only words survive (no URLs, digits,
markup or control characters, at most three words a theme), and a theme that reads like an
instruction to a model ("ignore previous instructions...") or hides its text with bidirectional
overrides is dropped whole, so it is never echoed into a name or rationale.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from soundmosaic.providers.offline import lexicon
from soundmosaic.providers.offline.lexicon import GENERAL, Lexicon

MAX_COUNT = 100
PATTERN_TRENDS = {
    "one-word": "one_word", "the-x-of-y": "the_x_of_y", "adjective-noun": "adj_noun",
    "compound": "compound", "numbers": "number", "colour": "colour", "color": "colour",
    "verb-phrase": "verb_phrase", "parenthetical": "parenthetical", "long-title": "long_title",
    "theme": "theme", "time-and-place": "time_place", "direct-address": "address",
}
STYLE_TRENDS = ("lowercase", "all-caps")
SUPPORTED_TRENDS = tuple(PATTERN_TRENDS) + STYLE_TRENDS
TREND_BOOST = 5.0

BASE_WEIGHTS = {"the_x_of_y": 3.0, "one_word": 3.0, "adj_noun": 4.0, "compound": 2.0, "theme": 4.0,
                "number": 1.5, "colour": 2.0, "verb_phrase": 2.0, "parenthetical": 1.0, "long_title": 1.0,
                "time_place": 1.0, "address": 1.5}
LABELS = {"the_x_of_y": "'The X of Y'", "one_word": "single evocative word", "adj_noun": "adjective + noun",
          "compound": "compound word", "theme": "theme-led", "number": "number", "colour": "colour + noun",
          "verb_phrase": "verb phrase", "parenthetical": "parenthetical tag",
          "long_title": "long sentence title", "time_place": "time and place", "address": "direct address"}

SMALL_WORDS = lexicon.words("a an and at by for from in into of on or the to with")
NUMBER_WORDS = ("Two", "Three", "Four", "Seven", "Nine", "Eleven", "Twelve", "Nineteen", "Hundred")
TAGS = ("Reprise", "Interlude", "After Hours", "Stripped", "Night Version", "Slowed", "Demo", "Outro")
LONG_TEMPLATES = (
    "Everything I Know About {P1} I Learned From the {N2}",
    "What the {N1} Said to the {N2}",
    "If the {P1} {V}, I Will {V} the {N2}",
    "Nobody Told Me the {N1} Was So {A}",
    "All the {P1} We Used to {V}",
    "I Keep a {N1} in the {N2} for You",
)

TIMES = ("3AM", "4AM", "Midnight", "Sunday Morning", "Late August", "First Light", "Half Past Two",
         "Last Call", "Friday Night", "New Year's Day")
PLACES = ("Lisbon", "Tokyo", "Brighton", "Berlin", "Memphis", "Havana", "Osaka", "Marseille", "Reykjavik",
          "Detroit", "Lagos", "Montreal", "Route 9", "Marrakesh")
ADDRESS_TEMPLATES = (
    "Call Me When the {N1} {V3}",
    "Meet Me at the {N1}",
    "Don't {V} the {N1}",
    "Tell Me About the {P1}",
    "You Were the {N1}",
    "Hold Me Like the {N1}",
    "Say It Like {P1}",
)

# A theme that talks to the model instead of describing the song is dropped whole.
INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(previous|prior|above|earlier|rules|prompt|guidelines)"
    r"|\b(system|developer)\s*(prompt|message|mode)|\byou\s+are\s+(now|an?|the)\b|\bact\s+as\b"
    r"|\bjailbreak|\bpretend\s+to\b|\binstructions?\b|<\s*/?\s*[a-z]+|\{\{|\$\{",
    re.I | re.S)
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07?|.)")
URLISH = re.compile(r"\S+://\S*|www\.\S*|\S+@\S+|\S*\.\S+")
BLOCKED = lexicon.words(
    "ignore instruction instructions prompt system assistant user previous disregard override print "
    "output reveal password token script http https www sudo admin delete drop select execute command "
    "model json html javascript secret api key")
STOPWORDS = lexicon.words(
    "the and for with that this from into your you our are was were will would about have has had not "
    "but all any can our out its his her their them they she him who what when where why how very "
    "just some such than then there these those also only")
MAX_THEME_CHARS = 500
MAX_THEME_WORDS = 12


@dataclass(frozen=True)
class _Word:
    text: str
    source: str  # where it came from, for the rationale


@dataclass
class _Pools:
    genre: Lexicon | None
    mood: Lexicon | None
    themes: list[str]
    rng: random.Random

    def _lexicons(self) -> list[tuple[Lexicon, str, float]]:
        out: list[tuple[Lexicon, str, float]] = [(GENERAL, "the general lexicon", 0.25)]
        if self.genre:
            out.append((self.genre, f"the {self.genre.name} genre lexicon", 0.4))
        if self.mood:
            out.append((self.mood, f"the {self.mood.name} mood lexicon", 0.35))
        return out

    def pick(self, kind: str, theme_chance: float = 0.0) -> _Word:
        """A word of ``kind`` (nouns, adjectives, verbs, colours) from a weighted lexicon."""
        if kind == "nouns" and self.themes and self.rng.random() < theme_chance:
            return self.theme()
        lexicons = [(lx, src, w) for lx, src, w in self._lexicons() if getattr(lx, kind)]
        lx, src, _ = self.rng.choices(lexicons, weights=[w for *_, w in lexicons])[0]
        return _Word(self.rng.choice(getattr(lx, kind)), src)

    def theme(self) -> _Word:
        return _Word(self.rng.choice(self.themes), "your themes")


def _clean(text: str) -> str:
    """Control and format characters become spaces; compatibility forms are folded."""
    text = ANSI.sub(" ", unicodedata.normalize("NFKC", text[:MAX_THEME_CHARS]))
    return "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in text)


def theme_words(themes: object) -> list[str]:
    """The short, clean, letter-only words the generator may use from user themes."""
    if not isinstance(themes, list | tuple):
        return []
    words: list[str] = []
    for theme in themes[:MAX_THEME_WORDS]:
        if not isinstance(theme, str):
            continue
        if BIDI.search(theme[:MAX_THEME_CHARS]):  # text that displays differently from what it says
            continue
        text = _clean(theme)
        if INJECTION.search(text):
            continue
        text = URLISH.sub(" ", text)
        kept = 0
        for token in re.findall(r"\w+", text):  # a word glued to digits or _ is dropped whole
            token = token.casefold()
            if not token.isalpha():
                continue
            if not 3 <= len(token) <= 12 or token in BLOCKED or token in STOPWORDS or token in words:
                continue
            if len(set(token)) == 1:  # "aaaa"
                continue
            words.append(token)
            kept += 1
            if kept == 3 or len(words) == MAX_THEME_WORDS:
                break
        if len(words) == MAX_THEME_WORDS:
            break
    return words


def supported_trends(trends: Sequence[object] | None) -> list[str]:
    """The trend names this generator understands, normalised, in the order given."""
    out: list[str] = []
    for trend in (trends or [])[:50]:
        if not isinstance(trend, str):
            continue
        name = re.sub(r"[\s_]+", "-", trend.strip().casefold())
        if name in SUPPORTED_TRENDS and name not in out:
            out.append(name)
    return out


def titlecase(text: str) -> str:
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        if i and word.casefold() in SMALL_WORDS:
            out.append(word.casefold())
        elif word[:1].isalpha():
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
        else:
            out.append(word)
    return " ".join(out)


def _pl(word: _Word) -> str:
    """Plural of a lexicon noun; theme words are left as the user wrote them (they may not be nouns)."""
    return word.text if word.source == "your themes" else lexicon.plural(word.text)


def _src(*words: _Word) -> str:
    by_source: dict[str, list[str]] = {}
    for w in words:
        by_source.setdefault(w.source, []).append(f"'{w.text}'")
    return "; ".join(f"{', '.join(ws)} from {src}" for src, ws in by_source.items())


Pattern = Callable[[_Pools], tuple[str, list[_Word]]]


def _the_x_of_y(p: _Pools) -> tuple[str, list[_Word]]:
    x, y = p.pick("nouns", 0.2), p.pick("nouns", 0.2)
    tail = _pl(y) if p.rng.random() < 0.75 else y.text
    return f"The {x.text} of {tail}", [x, y]


def _one_word(p: _Pools) -> tuple[str, list[_Word]]:
    w = p.pick("nouns", 0.15)
    return (_pl(w) if p.rng.random() < 0.3 else w.text), [w]


def _adj_noun(p: _Pools) -> tuple[str, list[_Word]]:
    a, n = p.pick("adjectives"), p.pick("nouns", 0.2)
    return f"{a.text} {_pl(n) if p.rng.random() < 0.3 else n.text}", [a, n]


def _compound(p: _Pools) -> tuple[str, list[_Word]]:
    for _ in range(20):
        a, b = p.pick("nouns", 0.2), p.pick("nouns", 0.2)
        if a.text != b.text and a.text.isalpha() and b.text.isalpha() and len(a.text) + len(b.text) <= 11:
            return a.text + b.text, [a, b]
    return _one_word(p)


def _theme(p: _Pools) -> tuple[str, list[_Word]]:
    t = p.theme()
    form = p.rng.randrange(4)
    if form == 0:
        a = p.pick("adjectives")
        return f"{a.text} {t.text}", [t, a]
    n = p.pick("nouns")
    if form == 1:
        return f"{t.text} {_pl(n)}", [t, n]
    if form == 2:
        return f"The {n.text} of {t.text}", [t, n]
    return f"{t.text} {n.text}", [t, n]


def _number(p: _Pools) -> tuple[str, list[_Word]]:
    n = p.pick("nouns", 0.15)
    form = p.rng.randrange(4)
    if form == 0:
        a = p.pick("adjectives")
        return f"{p.rng.choice(NUMBER_WORDS)} {a.text} {_pl(n)}", [a, n]
    if form == 1:
        return f"{n.text} {p.rng.choice((3, 7, 9, 11, 22, 44, 99, 404, 1999))}", [n]
    if form == 2:
        return f"{p.rng.randint(1, 5)}AM {_pl(n)}", [n]
    return f"{p.rng.choice(NUMBER_WORDS)} {_pl(n)}", [n]


def _colour(p: _Pools) -> tuple[str, list[_Word]]:
    c, n = p.pick("colours"), p.pick("nouns", 0.2)
    return f"{c.text} {_pl(n) if p.rng.random() < 0.4 else n.text}", [c, n]


def _verb_phrase(p: _Pools) -> tuple[str, list[_Word]]:
    v, n = p.pick("verbs"), p.pick("nouns", 0.2)
    form = p.rng.randrange(3)
    if form == 0:
        return f"{v.text} the {n.text}", [v, n]
    if form == 1:
        return f"{v.text} Like {_pl(n)}", [v, n]
    return f"Where the {_pl(n)} {v.text}", [v, n]


def _parenthetical(p: _Pools) -> tuple[str, list[_Word]]:
    base, words = (_adj_noun if p.rng.random() < 0.5 else _one_word)(p)
    return f"{base} ({p.rng.choice(TAGS)})", words


def _long_title(p: _Pools) -> tuple[str, list[_Word]]:
    n1, n2, v, a = p.pick("nouns", 0.25), p.pick("nouns", 0.25), p.pick("verbs"), p.pick("adjectives")
    template = p.rng.choice(LONG_TEMPLATES)
    used = [w for key, w in (("N1", n1), ("P1", n1), ("N2", n2), ("V", v), ("A", a)) if "{" + key in template]
    text = template.format(N1=n1.text, P1=_pl(n1), N2=n2.text, V=v.text,
                           V3=lexicon.third_person(v.text), A=a.text)
    return text, used


def _time_place(p: _Pools) -> tuple[str, list[_Word]]:
    # A place from the themes when there is one ("lisbon"), else from a short list of settings.
    if p.themes and p.rng.random() < 0.4:
        place = p.theme()
    else:
        place = _Word(p.rng.choice(PLACES), "a list of places")
    when = _Word(p.rng.choice(TIMES), "a list of times")
    form = p.rng.randrange(3)
    if form == 0:
        return f"{when.text} in {place.text}", [when, place]
    if form == 1:
        return f"Last Train to {place.text}", [place]
    n = p.pick("nouns")  # lexicon nouns only: theme words may be names or plurals ("at the Nights")
    return f"{when.text} at the {n.text}", [when, n]


def _address(p: _Pools) -> tuple[str, list[_Word]]:
    n, v = p.pick("nouns"), p.pick("verbs")  # "the {noun}": lexicon nouns only, as above
    template = p.rng.choice(ADDRESS_TEMPLATES)
    used = [w for key, w in (("N1", n), ("P1", n), ("V", v)) if "{" + key in template]
    return template.format(N1=n.text, P1=_pl(n), V=v.text, V3=lexicon.third_person(v.text)), used


PATTERNS: dict[str, Pattern] = {
    "the_x_of_y": _the_x_of_y, "one_word": _one_word, "adj_noun": _adj_noun, "compound": _compound,
    "theme": _theme, "number": _number, "colour": _colour, "verb_phrase": _verb_phrase,
    "parenthetical": _parenthetical, "long_title": _long_title, "time_place": _time_place,
    "address": _address,
}


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def _repeats(words: list[_Word]) -> bool:
    stems = [w.text.casefold()[:5] for w in words]
    return len(set(stems)) < len(stems)


def generate(data: dict, count: int, seed: int, trends: list[str] | None = None) -> list[dict]:
    """``count`` distinct track names ``[{"name", "rationale"}]`` for the artist's brief.

    ``data``: ``artist_name``, ``genre``, ``mood``, ``themes`` (list of str, may be empty).
    ``trends``: pattern names (see the module docstring); unknown ones are ignored.
    """
    if not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise ValueError(f"count must be an integer from 0 to {MAX_COUNT}, got {count!r}")
    genre = lexicon.find(str(data.get("genre") or "")[:200], lexicon.GENRES, lexicon.GENRE_ALIASES)
    mood = lexicon.find(str(data.get("mood") or "")[:200], lexicon.MOODS, lexicon.MOOD_ALIASES)
    themes = theme_words(data.get("themes"))
    active = supported_trends(trends)
    rng = random.Random(f"soundmosaic-offline-names:{seed}")  # noqa: S311 (reproducible, not secret)
    pools = _Pools(genre, mood, themes, rng)

    weights = dict(BASE_WEIGHTS)
    if not themes:
        weights["theme"] = 0.0
    boosted = {PATTERN_TRENDS[t] for t in active if t in PATTERN_TRENDS}
    for pattern in boosted:
        if weights[pattern]:
            weights[pattern] *= TREND_BOOST
    styles = [t for t in active if t in STYLE_TRENDS]
    artist_key = _key(str(data.get("artist_name") or ""))[:200]

    names: list[dict] = []
    seen: set[str] = set()
    for _ in range(count * 60):
        if len(names) == count:
            break
        pattern = rng.choices(list(weights), weights=list(weights.values()))[0]
        raw, words = PATTERNS[pattern](pools)
        name = titlecase(raw)
        if _repeats(words) or len(name) > 80:
            continue
        notes = []
        if pattern in boosted:
            trend = next(t for t in active if PATTERN_TRENDS.get(t) == pattern)
            notes.append(f"favoured by the '{trend}' trend")
        if styles and rng.random() < 0.5:
            style = rng.choice(styles)
            name = name.lower() if style == "lowercase" else name.upper()
            notes.append(f"styled by the '{style}' trend")
        key = _key(name)
        if not key or key in seen or key == artist_key:
            continue
        seen.add(key)
        rationale = f"Pattern {LABELS[pattern]}: {_src(*words)}" + (f" ({'; '.join(notes)})" if notes else "")
        names.append({"name": name, "rationale": rationale + "."})
    # The lexicons are large enough that this only happens for big counts with tiny vocabularies.
    part = 2
    while len(names) < count:
        base = names[len(names) % max(1, len(names))]["name"] if names else "Untitled"
        name = f"{base}, Pt. {part}"
        if _key(name) not in seen:
            seen.add(_key(name))
            names.append({"name": name, "rationale": f"A numbered part of '{base}': the lexicons ran out "
                                                     "of distinct combinations."})
        part += 1
    return names
