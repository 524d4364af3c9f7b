"""Script documents -> ``Script``: episode number, title, language and scenes (heading, speaking
characters, stage directions, dialogue), from PDF, DOCX, Final Draft (.fdx), Fountain, Markdown
and plain text in any encoding. Pure compute: bytes in, dataclasses out (docs/writers.md).

Hostile files fail with ``ScriptRejected`` and a reason a writer can read: a corrupt or
password-protected file, a DOCX whose zip would inflate past ``MAX_INFLATED_BYTES`` (a zip bomb)
or whose entries are compressed beyond ``MAX_RATIO``, a PDF over ``MAX_PDF_PAGES`` pages, XML
with entities (defusedxml refuses them), text over ``MAX_TEXT_CHARS``. Nothing else is opened.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

MAX_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 400
MAX_TEXT_CHARS = 2_000_000
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # deflate rarely beats 100:1 on real documents; bombs reach 1000:1
FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".fdx": "fdx",
    ".fountain": "fountain",
    ".spmd": "fountain",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}


class ScriptRejected(ValueError):
    """The document cannot be read; the message says why (the room's other documents go on)."""


@dataclass
class Scene:
    number: int
    heading: str
    characters: list[str] = field(default_factory=list)  # who speaks, in order of first line
    directions: list[str] = field(default_factory=list)  # action / stage directions
    lines: list[tuple[str, str]] = field(default_factory=list)  # (character, dialogue)

    @property
    def text(self) -> str:
        """The scene as a writer reads it: heading, then directions and dialogue in order."""
        return "\n".join([self.heading, *self._body])

    _body: list[str] = field(default_factory=list, repr=False)


@dataclass
class Script:
    format: str
    episode: int | None
    title: str
    language: str
    scenes: list[Scene]


# -- text structure -----------------------------------------------------------------------------------

_HEADING = re.compile(
    r"^\s*(?:#{1,4}\s*)?(?:\d+[.)]?\s+)?(?:(?:INT|EXT|INT\./EXT|INT/EXT|I/E|E/I|INNEN|AUSSEN|AUẞEN|AUßEN|"
    r"INNEN/AUSSEN)[.\s/-]|(?:SZENE|SCENE|BILD)\s+\d+)",
    re.IGNORECASE,
)
_FOUNTAIN_FORCED = re.compile(r"^\.(?=[A-Za-zÄÖÜ0-9])")
_EPISODE = re.compile(r"\b(?:Folge|Episode|Ep\.?|Epi|Fol\.?)\s*#?\s*(\d{1,5})\b", re.IGNORECASE)
_FILE_EPISODE = re.compile(r"(?:^|[^0-9])(?:e|ep|folge|episode)?[_ -]?(\d{1,5})(?:[^0-9]|$)", re.IGNORECASE)
_CUE = re.compile(
    r"^\s*@?([A-ZÄÖÜẞ][A-ZÄÖÜẞ0-9 .'\-]{0,38}[A-ZÄÖÜẞ0-9.])\s*(\((?:V\.?O\.?|O\.?S\.?|"
    r"CONT'D|OFF|FORTS\.?|[^)]{0,20})\))?\s*(?::\s*(.*))?$"
)
_PAREN = re.compile(r"^\s*\(.*\)\s*$")
_NOT_CUES = {
    "INT",
    "EXT",
    "CUT TO",
    "FADE IN",
    "FADE OUT",
    "SCHNITT",
    "ABBLENDE",
    "AUFBLENDE",
    "ENDE",
    "THE END",
    "FORTSETZUNG FOLGT",
    "TO BE CONTINUED",
    "BLACK",
    "SCHWARZ",
}
_GERMAN = {
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "sie",
    "ich",
    "du",
    "er",
    "mit",
    "auf",
    "ein",
    "eine",
    "zu",
    "den",
    "dem",
    "von",
    "hat",
    "sich",
    "wir",
    "was",
    "aber",
    "noch",
    "auch",
}
_ENGLISH = {
    "the",
    "and",
    "is",
    "not",
    "she",
    "he",
    "you",
    "with",
    "on",
    "a",
    "an",
    "to",
    "of",
    "has",
    "we",
    "what",
    "but",
    "still",
    "also",
    "it",
    "was",
    "her",
    "his",
    "they",
    "that",
}


_LETTERS = frozenset("äöüÄÖÜßéèàâêçñ–—„“”‘’…«»")  # noqa: RUF001 (the typographic ones are meant)


def detect_language(text: str) -> str:
    """'de' or 'en' by function words: the archive's two languages."""
    words = re.findall(r"[a-zäöüß]+", text[:20000].lower())
    german = sum(w in _GERMAN for w in words)
    english = sum(w in _ENGLISH for w in words)
    return "de" if german >= english else "en"


def episode_from(filename: str, title: str, text: str) -> int | None:
    """The episode number: from a 'Folge 123' / 'Episode 12' mention near the top, else the file name."""
    found = _EPISODE.search(title) or _EPISODE.search(text[:3000]) or _EPISODE.search(filename)
    if found:
        return int(found.group(1))
    stem = filename.rsplit(".", 1)[0]
    numbers = _FILE_EPISODE.findall(stem)
    return int(numbers[-1]) if numbers else None


class _Builder:
    """Collects scenes from a stream of typed paragraphs (heading, cue, dialogue, direction)."""

    def __init__(self) -> None:
        self.scenes: list[Scene] = []
        self.preamble: list[str] = []
        self.speaker: str | None = None

    def heading(self, text: str) -> None:
        self.scenes.append(Scene(len(self.scenes) + 1, _clean_heading(text)))
        self.speaker = None

    def _scene(self) -> Scene | None:
        return self.scenes[-1] if self.scenes else None

    def cue(self, name: str) -> None:
        self.speaker = _clean_name(name)

    def dialogue(self, text: str, speaker: str | None = None) -> None:
        who = _clean_name(speaker) if speaker else self.speaker
        scene = self._scene()
        if scene is None or not who:
            self.direction(text)
            return
        if who not in scene.characters:
            scene.characters.append(who)
        scene.lines.append((who, text))
        scene._body.append(f"{who}: {text}")

    def direction(self, text: str) -> None:
        scene = self._scene()
        if scene is None:
            self.preamble.append(text)
            return
        self.speaker = None
        scene.directions.append(text)
        scene._body.append(text)

    def parenthetical(self, text: str) -> None:
        scene = self._scene()
        if scene is not None:
            scene._body.append(text)


def _clean_heading(text: str) -> str:
    return re.sub(r"^\s*#{1,4}\s*|^\.", "", text).strip()


def _clean_name(name: str) -> str:
    name = re.sub(r"\s*\(.*?\)\s*$", "", name.strip().lstrip("@")).strip(" :")
    return name.title() if name.isupper() else name


def _is_cue(line: str) -> re.Match[str] | None:
    match = _CUE.match(line)
    if not match or len(match.group(1).split()) > 4:
        return None
    if match.group(1).strip(". ").upper() in _NOT_CUES or _HEADING.match(line):
        return None
    return match


def structure(text: str) -> tuple[list[Scene], list[str]]:
    """Scenes of a screenplay-like text (Fountain, Markdown, plain text, text out of a PDF/DOCX).

    A scene starts at a heading (INT./EXT./INNEN/AUSSEN, 'Szene 3', a forced '.HEADING', a
    Markdown heading naming a scene). An upper-case cue line ('MARIE' or 'MARIE (V.O.)') makes
    the following lines that character's dialogue until a blank line; 'MARIE: text' is one line
    of dialogue; '(...)' lines are parentheticals; everything else is a stage direction."""
    build = _Builder()
    in_dialogue = False
    for raw in text.splitlines():
        line = raw.strip()
        if line[:2] in ("**", "__") and line[-2:] == line[:2]:
            line = line[2:-2].strip()  # Markdown bold: how a cue looks in a Markdown script
        if not line:
            in_dialogue = False
            continue
        if line.startswith(("Title:", "Titel:", "Credit:", "Author:", "Autor:", "Draft date:")):
            build.preamble.append(line)
            continue
        if _HEADING.match(line) or _FOUNTAIN_FORCED.match(line):
            build.heading(line)
            in_dialogue = False
            continue
        if line.startswith("#"):
            build.preamble.append(line.lstrip("# "))  # a Markdown title that is not a scene
            continue
        cue = _is_cue(line)
        if cue and build.scenes:
            if cue.group(3):
                build.dialogue(cue.group(3).strip(), cue.group(1))
                in_dialogue = False
            else:
                build.cue(cue.group(1))
                in_dialogue = True
            continue
        if in_dialogue and _PAREN.match(line):
            build.parenthetical(line)
            continue
        if in_dialogue:
            build.dialogue(line.lstrip("> ").strip())
            continue
        build.direction(line.lstrip("!>*_ ").rstrip("*_ "))
    return build.scenes, build.preamble


# -- formats ------------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Text in any encoding: a BOM or valid UTF-8 first, else charset detection."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # Detection alone mistakes short German Latin-1 for cp850 ('über' as '³ber'); of its guesses
    # and the Western code pages, keep the decoding that reads most like German/English text.
    guesses = [m.encoding for m in from_bytes(data[:200_000])] + ["cp1252", "iso8859_15", "mac_roman"]
    best, best_score = None, float("-inf")
    for codec in dict.fromkeys(guesses):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        odd = sum(1 for ch in text if ord(ch) > 127 and ch not in _LETTERS)
        score = sum(1 for ch in text if ch in _LETTERS) - 5 * odd - 20 * text.count("\x00")
        if score > best_score:
            best, best_score = text, score
    if best is None:
        raise ScriptRejected("the text's encoding could not be detected (is it a binary file?)")
    return best


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # An empty user password still opens some "protected" PDFs; anything else is refused.
            try:
                opened = bool(reader.decrypt(""))
            except Exception:  # pypdf raises several types for unsupported crypto
                opened = False
            if not opened:
                raise ScriptRejected("the PDF is password-protected: upload it without a password")
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise ScriptRejected(f"the PDF has {pages} pages; the limit is {MAX_PDF_PAGES} per document")
        parts: list[str] = []
        size = 0
        for page in reader.pages:
            text = page.extract_text(extraction_mode="layout") or ""
            size += len(text)
            if size > MAX_TEXT_CHARS:
                raise ScriptRejected(f"the PDF holds more than {MAX_TEXT_CHARS} characters of text")
            parts.append("\n".join(line.strip() for line in text.splitlines()))
        return "\n".join(parts)
    except ScriptRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ScriptRejected(f"the PDF is corrupt or not a PDF ({type(exc).__name__}: {exc})") from exc


def _check_zip(data: bytes) -> None:
    """Refuse a DOCX whose zip would inflate too far before python-docx (lxml) reads a byte of it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ScriptRejected(
            "the DOCX is corrupt (not a zip archive); a password-protected Word "
            "file is not a zip either: save it without a password"
        ) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > MAX_INFLATED_BYTES:
            raise ScriptRejected(
                f"the DOCX would inflate past {MAX_INFLATED_BYTES // 2**20} MiB (a zip bomb?)"
            )
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 2**20:
            ratio = info.file_size // info.compress_size
            raise ScriptRejected(f"the DOCX entry {info.filename!r} is compressed {ratio}:1 (a zip bomb?)")
    if "word/document.xml" not in archive.namelist():
        raise ScriptRejected("the file is a zip but not a Word document (no word/document.xml)")


def _docx_text(data: bytes) -> str:
    _check_zip(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, lxml errors, ValueError...
        raise ScriptRejected(f"the DOCX is corrupt ({type(exc).__name__})") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = paragraph.text.strip()
        if style.lower().startswith(("heading", "überschrift")) and text and not _HEADING.match(text):
            text = f"# {text}"  # a Word heading: a scene heading if it names one, else a title
        lines.append(text)
    return "\n".join(lines)


def _fdx_script(data: bytes) -> tuple[list[Scene], list[str]]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(data)
    except DefusedXmlException as exc:
        raise ScriptRejected(
            f"the FDX uses XML entities or DTDs, which are refused ({type(exc).__name__})"
        ) from exc
    except ElementTree.ParseError as exc:
        raise ScriptRejected(f"the FDX is not well-formed XML: {exc}") from exc
    if root.tag != "FinalDraft":
        raise ScriptRejected("the .fdx file is not a Final Draft document (no <FinalDraft> root)")
    build = _Builder()
    for title in root.iter("TitlePage"):
        for paragraph in title.iter("Paragraph"):
            build.preamble.append(_fdx_text(paragraph))
    content = root.find("Content")
    for paragraph in content.iter("Paragraph") if content is not None else []:
        kind, text = paragraph.get("Type", "Action"), _fdx_text(paragraph)
        if not text:
            continue
        if kind == "Scene Heading":
            build.heading(text)
        elif kind == "Character":
            build.cue(text)
        elif kind == "Dialogue":
            build.dialogue(text)
        elif kind == "Parenthetical":
            build.parenthetical(text)
        else:  # Action, Transition, Shot, General
            build.direction(text)
    return build.scenes, build.preamble


def _fdx_text(paragraph: object) -> str:
    return "".join(t.text or "" for t in paragraph.iter("Text")).strip()  # type: ignore[attr-defined]


def format_of(filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise ScriptRejected(
            f"{suffix or 'a file without an extension'} is not a script format we read; "
            f"send {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def parse(filename: str, data: bytes) -> Script:
    """One document -> ``Script``; raises ``ScriptRejected`` with the reason otherwise."""
    fmt = format_of(filename)
    if not data:
        raise ScriptRejected("the file is empty")
    if len(data) > MAX_BYTES:
        raise ScriptRejected(f"the file is {len(data)} bytes; the limit is {MAX_BYTES}")
    if fmt == "fdx":
        scenes, preamble = _fdx_script(data)
        full = "\n".join(preamble + [s.text for s in scenes])
    else:
        if fmt == "pdf":
            text = _pdf_text(data)
        elif fmt == "docx":
            text = _docx_text(data)
        else:
            text = decode(data)
        if len(text) > MAX_TEXT_CHARS:
            raise ScriptRejected(f"the document holds more than {MAX_TEXT_CHARS} characters of text")
        if "\x00" in text[:5000]:
            raise ScriptRejected("the file looks binary, not text: is the extension right?")
        scenes, preamble = structure(text)
        full = text
    if not scenes:
        if not full.strip():
            raise ScriptRejected("no text found (a scanned PDF needs OCR first)")
        # Prose without scene headings (notes, a treatment): one scene, so it is still searchable.
        build = _Builder()
        build.heading("DOKUMENT" if detect_language(full) == "de" else "DOCUMENT")
        for paragraph in preamble or full.splitlines():
            if paragraph.strip():
                build.direction(paragraph.strip())
        scenes, preamble = build.scenes, []
    title = next((p for p in preamble if p.strip()), filename)
    title = re.sub(r"^(Title|Titel):\s*", "", title).strip()[:200]
    return Script(fmt, episode_from(filename, title, full), title, detect_language(full), scenes)
