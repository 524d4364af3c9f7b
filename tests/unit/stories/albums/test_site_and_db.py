"""The static site (valid, escaped, no script, Netlify-ready) and the SQL database (migrations,
read-only queries, tenant copies).

Hostile input tried: titles and descriptions with markup and quotes; ``DELETE``, ``INSERT``,
two statements, ``WITH ... DELETE``, ``ATTACH``, ``PRAGMA``, ``load_extension`` and an empty
query; another tenant's rows.
"""

from __future__ import annotations

import html.parser
import io
import zipfile

import pytest
from PIL import Image
from soundmosaic.stories.albums import db, director, site
from soundmosaic.stories.albums.plan import Constraints

VOID = {"meta", "link", "img", "br", "hr", "input", "source"}


class Checker(html.parser.HTMLParser):
    """Every element closed in order, no script, every img with alt, every audio labelled."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script" or any(k.startswith("on") for k in attributes):
            self.problems.append(f"script in <{tag}>")
        if tag == "img" and not attributes.get("alt"):
            self.problems.append("img without alt")
        if tag == "audio" and not attributes.get("aria-label"):
            self.problems.append("audio without a label")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 30, 60)).save(out, "PNG")
    return out.getvalue()


def _wav() -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(44100)
        writer.writeframes(b"\x00\x01" * 2 * 4410)
    return out.getvalue()


@pytest.fixture(scope="module")
def built() -> tuple[dict, zipfile.ZipFile]:
    plan = director.offline_plan("Tides under a paper moon", Constraints.create(tracks=3), seed=4)
    plan["title"] = 'Moon <b>"&" </b><script>alert(1)</script>'
    plan["tracks"][1]["description"] = "<img src=x onerror=alert(1)> and more"
    plan["tracks"][1]["lyrics"] = "first line\nsecond <i>line</i>"
    album = {
        "album_id": "a" * 24,
        "artist_name": "Tess & Co",
        "concept": "c",
        "plan": plan,
        "engines": {"director": "offline"},
    }
    assets = site.Assets(
        cover_png=_png(),
        tracks={
            1: site.TrackAssets(_png(), _wav()),
            2: site.TrackAssets(_png(), None),
            3: site.TrackAssets(None, _wav()),
        },
    )
    return plan, zipfile.ZipFile(io.BytesIO(site.build(album, assets)))


def test_site_has_every_page_and_file(built):
    plan, archive = built
    names = set(archive.namelist())
    pages = {site.track_page(n, t["title"]) for n, t in enumerate(plan["tracks"], start=1)}
    assert {
        "index.html",
        "styles.css",
        "netlify.toml",
        "album.json",
        "media/cover.jpg",
        "media/01.jpg",
        "media/01.mp3",
        "media/02.jpg",
        "media/03.mp3",
    } | pages <= names
    assert "media/02.mp3" not in names and "media/03.jpg" not in names  # only what exists
    assert archive.read("media/01.mp3")[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    assert 'publish = "."' in archive.read("netlify.toml").decode()


def test_pages_are_well_formed_escaped_and_script_free(built):
    plan, archive = built
    for name in [n for n in archive.namelist() if n.endswith(".html")]:
        text = archive.read(name).decode()
        checker = Checker()
        checker.feed(text)
        assert checker.problems == [] and checker.stack == [], name
        assert text.startswith("<!DOCTYPE html>") and '<html lang="en">' in text and "<title>" in text
        assert "<script" not in text and "onerror=" not in text.replace("onerror=alert", "")
    index = archive.read("index.html").decode()
    assert "Moon &lt;b&gt;&quot;&amp;&quot; &lt;/b&gt;&lt;script&gt;" in index
    assert index.count("<audio") == 2 and 'src="media/01.mp3"' in index
    second = archive.read(site.track_page(2, plan["tracks"][1]["title"])).decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in second and "second &lt;i&gt;line&lt;/i&gt;" in second
    assert 'rel="prev"' in second and 'rel="next"' in second


@pytest.fixture
def database(tmp_path) -> db.Backend:
    return db.connect(f"sqlite:///{tmp_path / 'albums.sqlite3'}")


def _album(backend: db.Backend, album_id: str, artist: str) -> None:
    backend.execute(
        "INSERT INTO albums VALUES (:i, :a, 't', 'c', 'd', 'g', 'offline', 'built', NULL, 'x', 'x')",
        {"i": album_id, "a": artist},
    )


def test_migrations_apply_once_in_order(database, tmp_path):
    assert db.version(database) == 1 and db.migrate(database) == []
    rows = database.execute("SELECT version, name FROM schema_version")
    assert rows == [{"version": 1, "name": "albums"}]
    tables = {r["name"] for r in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(db.TABLES) | {"schema_version"} <= tables


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM albums",
        "INSERT INTO albums (album_id) VALUES ('x')",
        "SELECT 1; DROP TABLE albums",
        "WITH x AS (SELECT 1) DELETE FROM albums",
        "ATTACH DATABASE '/tmp/other.db' AS other",
        "PRAGMA writable_schema = 1",
        "SELECT load_extension('/tmp/evil')",
        "",
        "   ;  ",
        "UPDATE albums SET title = 'x'",
        "SELECT * FROM albums WHERE title = 'a'; DELETE FROM albums",
    ],
)
def test_queries_refuse_anything_but_reading(database, statement):
    _album(database, "1" * 24, "artist-a")
    with pytest.raises(db.QueryRefused):
        db.query(database, statement)
    with pytest.raises(db.QueryRefused):
        db.query(database, statement, artist_id="artist-a")
    assert database.execute("SELECT count(*) AS n FROM albums") == [{"n": 1}]  # nothing changed


def test_queries_read_and_a_tenant_sees_only_their_rows(database):
    _album(database, "1" * 24, "artist-a")
    _album(database, "2" * 24, "artist-b")
    columns, rows = db.query(database, "SELECT album_id, artist_id FROM albums ORDER BY album_id")
    assert columns == ["album_id", "artist_id"] and len(rows) == 2
    _, mine = db.query(database, "SELECT artist_id FROM albums", artist_id="artist-b")
    assert mine == [("artist-b",)]
    _, semicolon = db.query(database, "SELECT ';' AS s")  # a ; inside a literal is not a second statement
    assert semicolon == [(";",)]


def test_the_aurora_backend_speaks_the_data_api(monkeypatch):
    """The rds-data requests (parameters typed, a transaction around the statements) and the rows
    read back from its records, checked with botocore's Stubber (no Aurora here)."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "rds-data", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    monkeypatch.setattr("soundmosaic.platform.aws.client", lambda service: client)
    target = {
        "resourceArn": "arn:aws:rds:us-east-1:1:cluster:albums",
        "secretArn": "arn:aws:secretsmanager:s",
        "database": "albums",
    }
    backend = db.DataApi(target["resourceArn"], target["secretArn"], "albums")
    with Stubber(client) as stub:
        stub.add_response("begin_transaction", {"transactionId": "tx1"}, target)
        stub.add_response(
            "execute_statement",
            {"numberOfRecordsUpdated": 1},
            {
                **target,
                "transactionId": "tx1",
                "sql": "INSERT INTO runs VALUES (:a, :b, :c, :d)",
                "includeResultMetadata": True,
                "parameters": [
                    {"name": "a", "value": {"stringValue": "x"}},
                    {"name": "b", "value": {"longValue": 3}},
                    {"name": "c", "value": {"doubleValue": 1.5}},
                    {"name": "d", "value": {"isNull": True}},
                ],
            },
        )
        stub.add_response(
            "commit_transaction",
            {"transactionStatus": "committed"},
            {"resourceArn": target["resourceArn"], "secretArn": target["secretArn"], "transactionId": "tx1"},
        )
        stub.add_response(
            "execute_statement",
            {
                "columnMetadata": [{"name": "title"}, {"name": "seconds"}, {"name": "error"}],
                "records": [[{"stringValue": "Dawn"}, {"longValue": 30}, {"isNull": True}]],
            },
            {
                **target,
                "sql": "SELECT title, seconds, error FROM tracks",
                "includeResultMetadata": True,
                "parameters": [],
            },
        )
        with backend.transaction():
            backend.execute(
                "INSERT INTO runs VALUES (:a, :b, :c, :d)", {"a": "x", "b": 3, "c": 1.5, "d": None}
            )
        rows = backend.execute("SELECT title, seconds, error FROM tracks")
        stub.assert_no_pending_responses()
    assert rows == [{"title": "Dawn", "seconds": 30, "error": None}]


def test_database_urls_pick_the_backend(tmp_path):
    assert isinstance(db.connect(f"sqlite:///{tmp_path / 'x.sqlite3'}"), db.SQLite)
    with pytest.raises(ValueError, match="unknown scheme 'mysql'"):
        db.connect("mysql://host/albums")
