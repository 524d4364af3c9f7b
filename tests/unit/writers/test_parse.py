"""Parsing every script format into scenes, and refusing hostile files with a reason.

Hostile input tried: a corrupt DOCX, a DOCX zip bomb (20 MiB of zeros, 1000:1), a zip that is
not a Word file, a password-protected PDF, a PDF over the page limit, a corrupt PDF, an FDX with
an entity expansion (billion laughs), an FDX that is not Final Draft, a binary file named .txt,
an empty file, an unknown extension.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from soundmosaic.writers import parse
from soundmosaic.writers.parse import ScriptRejected
from soundmosaic_local.fixtures.writers_archive import generate, simple_pdf, to_fdx, to_markdown

EPISODE = generate(episodes=3, seed=3).episodes[0]  # German, episode 1
TEXT = """Title: Unter Uns - Folge 12

INT. CAFÉ SCHILLER - TAG

Marie wischt die Theke. Jonas kommt herein.

JONAS
Hast du den Brief gelesen?

MARIE
(leise)
Nein. Noch nicht.

EXT. DOMPLATZ - NACHT

Till rennt über den Platz.
TILL: Wo ist Benedikt?
"""


def check(script: parse.Script) -> None:
    assert script.episode == 12 and script.language == "de"
    first, second = script.scenes
    assert first.heading == "INT. CAFÉ SCHILLER - TAG"
    assert first.characters == ["Jonas", "Marie"]
    assert first.directions == ["Marie wischt die Theke. Jonas kommt herein."]
    assert first.lines == [("Jonas", "Hast du den Brief gelesen?"), ("Marie", "Nein. Noch nicht.")]
    assert second.characters == ["Till"] and second.directions == ["Till rennt über den Platz."]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_text_in_any_encoding(encoding: str) -> None:
    check(parse.parse("folge.txt", TEXT.encode(encoding)))


def test_fountain_markdown_and_fdx_give_the_same_scenes() -> None:
    fountain = parse.parse("e.fountain", EPISODE.text.encode())
    for name, data in (
        ("e.md", to_markdown(EPISODE.text).encode()),
        ("e.fdx", to_fdx(EPISODE.text).encode()),
    ):
        other = parse.parse(name, data)
        assert other.episode == fountain.episode == 1
        assert [(s.heading, s.characters, s.directions) for s in other.scenes] == [
            (s.heading, s.characters, s.directions) for s in fountain.scenes
        ], name


def test_pdf_and_docx() -> None:
    check(parse.parse("folge.pdf", simple_pdf(TEXT)))
    document = docx.Document()
    for line in TEXT.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    check(parse.parse("folge.docx", buffer.getvalue()))


def test_english_and_episode_from_the_file_name() -> None:
    script = parse.parse(
        "ep_045.fountain", b"INT. GYM - DAY\n\nEva lifts weights.\n\nEVA\nI am not giving up.\n"
    )
    assert script.episode == 45 and script.language == "en" and script.scenes[0].characters == ["Eva"]


def test_prose_without_scenes_is_one_searchable_scene() -> None:
    script = parse.parse("notizen.md", b"# Ideen\n\nMarie sollte nach Lissabon ziehen.\n")
    assert len(script.scenes) == 1 and "Lissabon" in script.scenes[0].text


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _encrypted() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(simple_pdf(TEXT))).pages:
        writer.add_page(page)
    writer.encrypt("geheim")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<FinalDraft><Content><Paragraph Type="Action"><Text>&lol3;</Text></Paragraph></Content></FinalDraft>"""


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.docx", b"PK\x03\x04garbage", "corrupt"),
        ("a.docx", _zip({"word/document.xml": b"\0" * (20 * 1024 * 1024)}), "zip bomb"),
        ("a.docx", _zip({"hello.txt": b"hi"}), "not a Word document"),
        ("a.pdf", _encrypted(), "password"),
        ("a.pdf", b"%PDF-1.4 nonsense", "corrupt"),
        ("a.fdx", BILLION_LAUGHS, "entities"),
        ("a.fdx", b"<Screenplay/>", "not a Final Draft"),
        ("a.txt", b"\0\x01\x02" * 100, "binary"),
        ("a.txt", b"", "empty"),
        ("a.exe", b"MZ", "not a script format"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(ScriptRejected, match=reason):
        parse.parse(name, data)


def test_huge_pdf_is_refused_by_page_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_PDF_PAGES", 2)
    with pytest.raises(ScriptRejected, match="3 pages"):
        parse.parse("a.pdf", simple_pdf("\n".join(f"Zeile {i}" for i in range(150)), lines_per_page=50))
