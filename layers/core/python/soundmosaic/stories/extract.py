"""What a song's lyrics hold, read without a model: characters, places, motifs, sentiment, mood.

Pure compute (lines in, ``Reading`` out), the offline engine's eyes (docs/stories.md):

- **noun phrases**: a determiner or possessive ("the", "my", "your"...), up to two modifiers and
  a head noun ("the cold river", "your paper crown"), plus any word the studio's name-engine
  lexicons know as an image noun (``providers.offline.lexicon``);
- **named entities**: capitalised words that do not start a line and are not "I" ("Marie",
  "Lisbon"); after "in/to/from/through/across..." or in the place-noun list they are places;
- **characters**: named people, role nouns ("the stranger", "my mother") and the point of view
  (I / you / she / he / we);
- **motifs**: the heads of noun phrases and lexicon nouns, ranked by count; the album's links
  are the motifs songs share (``link``);
- **sentiment**: a word lexicon (positive and negative words, a negation flips the next two
  words) giving a score in [-1, 1] per line and per song; **mood**: the studio's mood lexicons
  (``lexicon.MOODS`` and their aliases) voted by the song's words, tie-broken by the sentiment.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from soundmosaic.providers.offline import lexicon

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
DETERMINERS = lexicon.words("the a an my your his her our their this that these those every no")
PREPOSITIONS_OF_PLACE = lexicon.words("in into to from through across at under over inside outside "
                                  "beneath behind near down along")
STOP = lexicon.words("""i me my mine you your yours he him his she her hers we us our they them their it its
the a an and or but so if then than that this these those of to in on at by for with from up down out
over under into onto off again just only still yet all any each both some no not never ever always is
am are was were be been being do does did have has had will would can could should shall may might must
oh ooh yeah la na hey whoa uh ah baby gonna wanna gotta cause 'cause like as what when where who why how
there here too very now one more much let lets got get go going come came know say said tell told see
seen make made take took way thing things im i'm you're it's don't can't won't ain't i'll i've we're
they're that's there's behind alone away again around tonight forever inside outside back through
across without within together tomorrow yesterday today maybe""")
ROLES = lexicon.words("""girl boy man woman mother father mama papa mom dad sister brother friend lover
stranger king queen child children daughter son wife husband bride groom soldier sailor driver
preacher angel devil ghost fool thief captain doctor neighbour neighbor baby darling""")
PLACE_NOUNS = lexicon.words("""city town street road highway river sea ocean shore beach house home room
kitchen bar station church garden field forest mountain valley desert island harbour harbor bridge
corner avenue alley hotel motel train car window door roof hill lake coast country village park
school hospital prison club stage sky moon""")
# A small sentiment lexicon for lyrics (AFINN-style polarity, hand-picked for song words).
POSITIVE = lexicon.words("""love loved loving lovely light bright shine shining sun sunshine smile smiling
laugh laughing happy joy free freedom hope hopeful dream dreams warm gold golden sweet kiss kissed
heaven alive rise rising home safe together dance dancing glow glowing bloom spring dawn morning
beautiful friend gentle tender soft peace calm heal healed win winning fly flying sing singing
true trust brave strong believe found new start begin""")
NEGATIVE = lexicon.words("""cry crying cried tears tear lonely alone lost lose losing broken break
breaking dark darkness cold grey gray empty hollow hurt hurting pain fear afraid scared die dying dead
death blood bleed goodbye gone leave leaving left fall falling fade fading shadow shadows ghost rain
storm burn burning ash ashes sorry regret hate wrong lie lies liar fight war night sad sadness
nothing never cage chains drown drowning wound scar grave bitter""")
# Irregular past tenses a determiner phrase may run into ("the river brought me").
PAST = lexicon.words("""brought thought caught taught fought bought left felt kept slept wept lost held told
sold found ran saw gave knew grew threw flew drew wrote rode broke spoke woke stole froze chose fell
began sang swam drank sank stood said heard meant sent spent built burnt lit sat met won hung struck
shook took forgot came went""")
NEGATIONS = lexicon.words("not no never don't can't won't ain't nothing nobody without")
_LEXICONS = (lexicon.GENERAL, *lexicon.GENRES.values(), *lexicon.MOODS.values())
_NOUNS = frozenset(n for lx in _LEXICONS for n in lx.nouns)
_KNOWN = frozenset(w for lx in _LEXICONS for w in (*lx.nouns, *lx.adjectives, *lx.verbs)) | STOP | DETERMINERS


@dataclass
class Reading:
    """One song as the offline engine reads it."""

    noun_phrases: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    motifs: list[str] = field(default_factory=list)  # most frequent first
    point_of_view: str = "I"
    addressee: str | None = None
    sentiment: float = 0.0  # -1 .. 1
    line_sentiment: list[float] = field(default_factory=list)
    mood: str = "calm"


def words_of(line: str) -> list[str]:
    return [w.replace("\u2019", "'") for w in _TOKEN.findall(line)]


def singular(word: str) -> str:
    """A light singular for matching motifs across songs ('roses' and 'rose')."""
    w = word.lower()
    for irregular, plural in lexicon.IRREGULAR_PLURALS.items():
        if w == plural:
            return irregular
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def line_sentiment(words: list[str]) -> float:
    score, flip = 0, 0
    for raw in words:
        w = raw.lower()
        if w in NEGATIONS:
            flip = 2
            continue
        value = (w in POSITIVE) - (w in NEGATIVE)
        score += -value if flip else value
        flip = max(0, flip - 1)
    return max(-1.0, min(1.0, score / 2))


def read(lines: list[str] | tuple[str, ...]) -> Reading:
    reading = Reading()
    phrases: Counter[str] = Counter()
    heads: Counter[str] = Counter()
    names: Counter[str] = Counter()
    places: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    pronouns: Counter[str] = Counter()
    mood_votes: Counter[str] = Counter()
    lowercase = {w for line in lines for w in words_of(line) if w.islower()}
    for line in lines:
        words = words_of(line)
        reading.line_sentiment.append(line_sentiment(words))
        lowered = [w.lower() for w in words]
        for i, (word, low) in enumerate(zip(words, lowered, strict=True)):
            if low in ("i", "you", "she", "he", "we"):
                pronouns[low] += 1
            if word[0].isupper() and low not in STOP and low != "i" and len(low) > 1 and (
                    i > 0 or _name_like(low, lowercase)):
                if lowered[i - 1] in PREPOSITIONS_OF_PLACE:
                    places[word] += 1
                else:
                    names[word] += 1
            if low in DETERMINERS:
                phrase = _phrase(lowered, i)
                if phrase:
                    phrases[phrase] += 1
                    head = singular(phrase.split()[-1])
                    heads[head] += 1
                    if head in ROLES:
                        roles[phrase if lowered[i] in ("my", "your", "his", "her", "our") else head] += 1
                    if head in PLACE_NOUNS and i > 0 and lowered[i - 1] in PREPOSITIONS_OF_PLACE:
                        places[phrase] += 1
            elif singular(low) in _NOUNS and low not in STOP:
                heads[singular(low)] += 1
            for mood, lx in lexicon.MOODS.items():
                if low in lx.nouns or low in lx.adjectives or low in lx.verbs:
                    mood_votes[mood] += 1
            if low in lexicon.MOOD_ALIASES:
                mood_votes[lexicon.MOOD_ALIASES[low]] += 1
    reading.noun_phrases = [p for p, _ in phrases.most_common(12)]
    reading.motifs = [h for h, _ in heads.most_common(8) if h not in STOP and len(h) > 2]
    reading.places = [p for p, _ in places.most_common(4)]
    named_people = [n for n, _ in names.most_common(6) if n not in places]
    reading.characters = (named_people + [r for r, _ in roles.most_common(4)])[:6]
    first = pronouns["i"] + pronouns["we"]
    reading.point_of_view = "we" if pronouns["we"] > pronouns["i"] else ("I" if first else
                                                                          (pronouns.most_common(1)[0][0]
                                                                           if pronouns else "a narrator"))
    reading.addressee = "you" if pronouns["you"] else None
    n = max(1, len(reading.line_sentiment))
    total = sum(reading.line_sentiment)
    reading.sentiment = round(max(-1.0, min(1.0, total / math.sqrt(n) / 2)), 3)
    reading.mood = _mood(mood_votes, reading.sentiment)
    return reading


def _name_like(low: str, lowercase: set[str]) -> bool:
    """A line's capitalised first word is a name only if the lyrics never use it in lower case
    and it is no word the lexicons know (``Marie`` yes, ``Hope`` or ``Running`` no)."""
    return (low not in lowercase and low not in _KNOWN and low not in POSITIVE and low not in NEGATIVE
            and low not in ROLES and low not in PLACE_NOUNS and not low.endswith(("ing", "ed", "ly", "s")))


def _phrase(lowered: list[str], i: int) -> str | None:
    """The noun phrase a determiner at ``i`` opens: up to two modifiers and a head."""
    taken = [lowered[i]]
    for word in lowered[i + 1:i + 4]:
        if word in STOP or word in DETERMINERS or word in NEGATIONS:
            break
        taken.append(word)
    # A verb or adverb read as a head ("the river brought"): drop it, keep the phrase before it.
    while len(taken) > 1 and taken[-1] not in _NOUNS and (taken[-1] in PAST
                                                          or taken[-1].endswith(("ed", "ly", "n't"))):
        taken.pop()
    if len(taken) < 2:
        return None
    return " ".join(taken)


def _mood(votes: Counter[str], sentiment: float) -> str:
    if votes:
        best = max(votes.values())
        tied = sorted(m for m, v in votes.items() if v == best)
        if len(tied) == 1:
            return tied[0]
        positive = ("euphoric", "hopeful", "romantic", "playful", "calm", "dreamy")
        preferred = [m for m in tied if (m in positive) == (sentiment >= 0)]
        return (preferred or tied)[0]
    if sentiment > 0.25:
        return "hopeful"
    if sentiment < -0.25:
        return "melancholic"
    return "calm"


def link(readings: list[Reading]) -> list[list[tuple[int, list[str]]]]:
    """For each song, the earlier songs it continues and what it shares with each:
    ``[[(earlier index, [shared motif, character or place...]), ...], ...]``."""
    keys = [set(r.motifs) | {c.lower() for c in r.characters} | {p.lower() for p in r.places}
            for r in readings]
    return [[(j, sorted(mine & keys[j])[:4]) for j in range(i) if mine & keys[j]]
            for i, mine in enumerate(keys)]


def recurring(readings: list[Reading]) -> dict[str, list[str]]:
    """Motifs, characters and places that appear in more than one song, with the songs' indexes."""
    seen: dict[str, set[int]] = {}
    for i, r in enumerate(readings):
        for key in {*r.motifs, *(c.lower() for c in r.characters), *(p.lower() for p in r.places)}:
            seen.setdefault(key, set()).add(i)
    return {k: [str(i) for i in sorted(v)] for k, v in sorted(seen.items()) if len(v) > 1}
