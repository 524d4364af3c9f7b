"""Word lists for the offline name generator: one lexicon per genre and per mood, plus a general one.

A lexicon holds nouns (images), adjectives, verbs (base form) and colours. Nouns are chosen to
take a regular plural, with the few irregular ones listed in ``IRREGULAR_PLURALS``. Free-text
genres and moods are mapped to a lexicon through their aliases; anything unknown falls back to
``GENERAL``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Lexicon:
    name: str
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    verbs: tuple[str, ...]
    colours: tuple[str, ...] = ()


def _lex(name: str, nouns: str, adjectives: str, verbs: str, colours: str = "") -> Lexicon:
    return Lexicon(name, tuple(nouns.split()), tuple(adjectives.split()), tuple(verbs.split()),
                   tuple(colours.split()))


GENERAL = _lex(
    "general",
    "heart light river mirror signal garden window shadow engine island horizon letter ghost "
    "season echo harbour ember wave fever compass lantern orbit paper stone thread machine "
    "ribbon satellite canyon tide",
    "golden quiet electric hollow endless wild silver restless borrowed distant paper sudden "
    "secret broken northern slow bright velvet",
    "chase hold burn carry follow remember break call find keep",
    "Gold Silver Blue Red White Amber Violet Grey Indigo Scarlet Jade Copper",
)

GENRES: dict[str, Lexicon] = {lx.name: lx for lx in (
    _lex("electronic",
         "pulse circuit laser grid signal frequency strobe synth modem pixel voltage orbit static "
         "wire cascade loop",
         "digital neon binary analog chrome synthetic hyper infinite modular sub",
         "glitch sync oscillate loop charge transmit",
         "Cyan Magenta Chrome Ultraviolet"),
    _lex("hiphop",
         "block crown hustle cipher concrete corner verse throne chain skyline avenue mic hunger "
         "legacy dollar",
         "hard real heavy fresh solid raw cold certified", "grind rise flex stack run spit",
         "Gold Black Platinum"),
    _lex("lofi",
         "tape cassette rain window notebook teacup lamp sweater library bus afternoon nap "
         "vinyl crayon",
         "dusty warm sleepy faded soft hazy", "study drift doze sketch",
         "Sepia Beige Peach"),
    _lex("rock",
         "highway amplifier thunder revolver rebel engine wreck riot diesel fuse badlands "
         "rattlesnake jukebox spark",
         "loud rusted reckless wired burning rolling feral", "roar crash ride kick shake",
         "Black Red Chrome"),
    _lex("pop",
         "heartbeat sugar daydream party lipstick polaroid rollercoaster summer spotlight "
         "confetti crush mirrorball candy postcard",
         "shiny sweet perfect glossy dizzy bubblegum golden", "dance shine spin kiss glow",
         "Pink Lilac Gold Peach"),
    _lex("jazz",
         "saxophone midnight cigarette speakeasy blue smoke lounge trumpet brushstroke "
         "nightcap boulevard piano swing",
         "smoky cool velvet late mellow swinging", "improvise linger sway whisper",
         "Blue Indigo Brass"),
    _lex("folk",
         "river cabin lantern orchard meadow sparrow fiddle wagon harvest hearth valley "
         "willow porch quilt",
         "wooden rustic homespun wandering old gentle", "wander gather mend plant",
         "Rust Ochre Moss"),
    _lex("rnb",
         "silk honey candle champagne pillow slow-jam skin satellite diamond rose afterglow "
         "caramel",
         "smooth silky tender late sensual golden", "touch melt hold call",
         "Burgundy Caramel Gold"),
    _lex("metal",
         "iron abyss throne serpent blade storm cathedral furnace skull wolf obsidian "
         "legion tempest",
         "molten savage black infernal eternal grim", "devour forge conquer shatter summon",
         "Black Crimson Steel"),
    _lex("ambient",
         "drift tide fog glacier horizon field breath hum haze lagoon stillness tundra cloud "
         "current",
         "vast weightless slow distant submerged pale", "float breathe dissolve hover",
         "Mist Pearl Teal"),
    _lex("country",
         "highway pickup whiskey porch creek rodeo boot dustbowl prairie sunset saddle "
         "truckstop jukebox",
         "dusty lonesome backroad honest southern", "drive ramble ride pray",
         "Denim Rust Tan"),
    _lex("classical",
         "nocturne sonata overture prelude requiem aria cathedral garden fugue etude "
         "elegy canon",
         "grand solemn tender eternal ancient pastoral", "ascend rest mourn bloom",
         "Ivory Gold Crimson"),
    _lex("latin",
         "corazon fiesta sol mango plaza carnival marimba tequila palm salsa noche fuego",
         "caliente tropical spicy sunlit golden", "dance burn sway celebrate",
         "Coral Turquoise Mango"),
)}

MOODS: dict[str, Lexicon] = {lx.name: lx for lx in (
    _lex("euphoric",
         "firework sunrise rush summit confetti skyline heartbeat rocket festival",
         "radiant bright dazzling wild ecstatic weightless", "soar shine leap ignite",
         "Gold Yellow Pink Orange"),
    _lex("melancholic",
         "rain ghost memory letter ash winter tear goodbye ruin hallway",
         "lonely faded hollow blue grey fragile", "fade miss forget drown",
         "Blue Grey Slate"),
    _lex("dark",
         "shadow void raven crypt eclipse knife wound nightfall smoke abyss",
         "black cold wicked hollow sinister bitter", "haunt hunt bleed vanish",
         "Black Crimson Obsidian"),
    _lex("calm",
         "lake morning breeze meadow feather harbour candle tide garden",
         "gentle still soft slow quiet easy", "rest drift breathe settle",
         "Sage Sand Pearl"),
    _lex("energetic",
         "engine voltage sprint lightning rocket turbo spark stampede",
         "electric fast loud restless turbo", "run charge ignite jump",
         "Red Orange Lime"),
    _lex("angry",
         "fire riot fist storm wildfire grudge bullet hurricane",
         "furious burning savage bitter", "break burn scream smash",
         "Red Scarlet Black"),
    _lex("romantic",
         "rose kiss heart candle letter moonlight lover waltz",
         "tender sweet velvet starry", "love hold dance whisper",
         "Rose Blush Crimson"),
    _lex("dreamy",
         "cloud moon feather dream mirage lullaby nebula bubble",
         "hazy floating lucid silver soft", "float drift dream wander",
         "Lavender Lilac Pearl"),
    _lex("nostalgic",
         "polaroid postcard summer cassette schoolyard photograph attic",
         "old faded yesterday's golden vintage", "remember return replay",
         "Sepia Amber Rust"),
    _lex("mysterious",
         "cipher mask labyrinth key fog door oracle sphinx",
         "hidden secret strange veiled silent", "vanish unlock whisper",
         "Violet Indigo Smoke"),
    _lex("hopeful",
         "dawn seed bridge lighthouse spring horizon sunrise",
         "new bright rising open", "rise bloom begin climb",
         "Sky Gold Green"),
    _lex("playful",
         "balloon kite jellybean rollerskate sherbet puppy pinball",
         "bouncy silly fizzy cheeky", "skip bounce giggle",
         "Pink Lime Tangerine"),
)}

GENRE_ALIASES: dict[str, str] = {
    "edm": "electronic", "techno": "electronic", "house": "electronic", "trance": "electronic",
    "synthwave": "electronic", "dubstep": "electronic", "dnb": "electronic", "electro": "electronic",
    "drum": "electronic", "garage": "electronic", "electronica": "electronic", "dance": "electronic",
    "hip": "hiphop", "hop": "hiphop", "rap": "hiphop", "trap": "hiphop", "drill": "hiphop",
    "grime": "hiphop", "lo": "lofi", "chillhop": "lofi", "punk": "rock", "grunge": "rock",
    "alternative": "rock", "indie": "rock", "blues": "rock", "shoegaze": "rock",
    "kpop": "pop", "synthpop": "pop", "dancepop": "pop", "swing": "jazz", "bebop": "jazz",
    "acoustic": "folk", "americana": "folk", "singer": "folk", "bluegrass": "country",
    "soul": "rnb", "r&b": "rnb", "rb": "rnb", "funk": "rnb", "neosoul": "rnb",
    "hardcore": "metal", "doom": "metal", "thrash": "metal", "chillout": "ambient",
    "downtempo": "ambient", "newage": "ambient", "drone": "ambient", "orchestral": "classical",
    "cinematic": "classical", "piano": "classical", "opera": "classical", "soundtrack": "classical",
    "reggaeton": "latin", "salsa": "latin", "bossa": "latin", "cumbia": "latin", "bachata": "latin",
    "samba": "latin",
}

MOOD_ALIASES: dict[str, str] = {
    "happy": "euphoric", "joyful": "euphoric", "upbeat": "euphoric", "uplifting": "hopeful",
    "ecstatic": "euphoric", "sad": "melancholic", "melancholy": "melancholic", "blue": "melancholic",
    "heartbroken": "melancholic", "lonely": "melancholic", "wistful": "nostalgic",
    "gloomy": "dark", "ominous": "dark", "brooding": "dark", "gritty": "dark", "moody": "dark",
    "sinister": "dark", "chill": "calm", "relaxed": "calm", "peaceful": "calm", "mellow": "calm",
    "serene": "calm", "hype": "energetic", "intense": "energetic", "driving": "energetic",
    "aggressive": "angry", "furious": "angry", "rage": "angry", "love": "romantic",
    "sensual": "romantic", "sexy": "romantic", "tender": "romantic", "ethereal": "dreamy",
    "hazy": "dreamy", "psychedelic": "dreamy", "retro": "nostalgic", "vintage": "nostalgic",
    "eerie": "mysterious", "mystic": "mysterious", "spooky": "mysterious", "inspiring": "hopeful",
    "optimistic": "hopeful", "fun": "playful", "quirky": "playful", "cheerful": "playful",
}

IRREGULAR_PLURALS = {"wolf": "wolves", "knife": "knives", "leaf": "leaves", "life": "lives",
                     "thief": "thieves", "half": "halves", "man": "men", "woman": "women",
                     "mouse": "mice", "child": "children", "echo": "echoes", "hero": "heroes",
                     "volcano": "volcanoes", "tornado": "tornadoes"}
MASS_NOUNS = frozenset({"smoke", "fog", "haze", "stillness", "static", "honey", "silk", "thunder",
                        "whiskey", "tequila", "champagne", "moonlight", "fuego", "sol", "noche",
                        "corazon", "salsa", "swing", "legacy", "hunger", "breath", "blue",
                        "nightfall", "dustbowl", "afterglow", "badlands", "caramel", "drift", "rain"})


def words(text: str) -> frozenset[str]:
    """A set of the space-separated words in ``text``."""
    return frozenset(text.split())


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z&]+", text.casefold())


def find(text: str, table: dict[str, Lexicon], aliases: dict[str, str]) -> Lexicon | None:
    """The lexicon a free-text genre or mood names (first known word wins), or None."""
    lowered = text.casefold()
    squashed = re.sub(r"[^a-z&]", "", lowered)
    if squashed in table:
        return table[squashed]
    if squashed in aliases:
        return table[aliases[squashed]]
    for token in _tokens(lowered):
        if token in table:
            return table[token]
        if token in aliases:
            return table[aliases[token]]
    return None


def plural(noun: str) -> str:
    if noun in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[noun]
    if noun in MASS_NOUNS:
        return noun
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def third_person(verb: str) -> str:
    """'burn' -> 'burns', 'catch' -> 'catches', 'bury' -> 'buries'."""
    if re.search(r"(s|x|z|ch|sh|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"
