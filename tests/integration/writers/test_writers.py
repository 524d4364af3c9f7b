"""The writers' room on the local stack, over HTTP: rooms and tenancy, intake of every format
(and hostile files), revisions and duplicates, the offline archivist, the Claude path against
the fake Anthropic server (streaming, cache reads, metrics), the drop folder and the refresh.

Hostile input tried: a corrupt DOCX, a DOCX zip bomb (100 MiB of zeros in word/document.xml),
a password-protected PDF, a file with an unknown extension, prompt-injection text inside a
script, another user's room, session and turn ids, ids with path characters.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from soundmosaic_local.fixtures.fake_anthropic import FakeAnthropicCache
from soundmosaic_local.fixtures.writers_archive import generate, simple_pdf, to_fdx, to_markdown
from soundmosaic_local.runtime.stack import LocalStack

from tests.integration.conftest import Api

pytestmark = pytest.mark.integration
ARCHIVE = generate(episodes=8, seed=11)


def put(api: Api, room: str, name: str, data: bytes) -> str:
    reply = api.http.post(f"/writers/rooms/{room}/uploads", json={"filename": name, "size_bytes": len(data)})
    assert reply.status_code == 201, reply.text
    info = reply.json()
    assert httpx.put(info["url"], content=data, headers=info["headers"]).status_code == 200
    return str(info["document_id"])


def wait_documents(api: Api, room: str, ids: list[str], timeout: float = 180) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        docs = {d["document_id"]: d for d in api.http.get(f"/writers/rooms/{room}/documents").json()["items"]}
        if all(
            docs.get(i, {}).get("status") in ("indexed", "failed", "duplicate", "superseded") for i in ids
        ):
            return docs
        time.sleep(0.3)
    raise AssertionError(f"documents not finished: {[docs.get(i, {}).get('status') for i in ids]}")


def ask(
    api: Api, room: str, message: str, mode: str = "archivist", session: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"mode": mode, "message": message, **({"session_id": session} if session else {})}
    started = api.http.post(f"/writers/rooms/{room}/turns", json=body)
    assert started.status_code == 202, started.text
    turn_id = started.json()["turn_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        turn = api.http.get(f"/writers/rooms/{room}/turns/{turn_id}").json()
        if turn["done"]:
            return dict(turn)
        time.sleep(0.2)
    raise AssertionError("turn not answered")


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (110 * 1024 * 1024))
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(simple_pdf("INT. CAFE - TAG\nGeheim."))).pages:
        writer.add_page(page)
    writer.encrypt("secret-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def room(api: Api) -> Iterator[dict[str, Any]]:
    made = api.http.post("/writers/rooms", json={"name": "Unter Uns", "language": "de"})
    assert made.status_code == 201, made.text
    room_id = made.json()["room_id"]
    ids = {}
    for ep in ARCHIVE.episodes:
        if ep.number == 2:
            ids[ep.number] = put(api, room_id, f"folge_{ep.number:03d}.fdx", to_fdx(ep.text).encode())
        elif ep.number == 3:
            ids[ep.number] = put(api, room_id, f"folge_{ep.number:03d}.md", to_markdown(ep.text).encode())
        elif ep.number == 4:
            ids[ep.number] = put(
                api, room_id, f"folge_{ep.number:03d}.txt", ep.text.encode("cp1252", "replace")
            )
        elif ep.number == 5:
            ids[ep.number] = put(api, room_id, f"folge_{ep.number:03d}.pdf", simple_pdf(ep.text))
        else:
            ids[ep.number] = put(api, room_id, f"folge_{ep.number:03d}.fountain", ep.text.encode())
    docs = wait_documents(api, room_id, list(ids.values()))
    yield {"room_id": room_id, "ids": ids, "docs": docs}


def test_every_format_is_parsed_with_its_episode(room: dict[str, Any]) -> None:
    for number, document_id in room["ids"].items():
        doc = room["docs"][document_id]
        assert doc["status"] == "indexed", doc
        assert doc["episode"] == number and doc["version"] == 1 and doc["scenes"] >= 4


def test_tenancy_and_roles(api: Api, other: Api, room: dict[str, Any]) -> None:
    room_id = room["room_id"]
    assert all(r["room_id"] != room_id for r in other.http.get("/writers/rooms").json()["items"])
    for path in ("", "/documents", "/bible", "/metrics", f"/scenes/{room['ids'][1]}/1"):
        assert other.http.get(f"/writers/rooms/{room_id}{path}").status_code == 404, path
    assert other.http.post(f"/writers/rooms/{room_id}/turns", json={"message": "Wer?"}).status_code == 404
    assert other.http.get("/writers/rooms/..%2F..%2Fetc").status_code == 404
    # a writer may read and ask, but not manage members
    assert (
        api.http.put(f"/writers/rooms/{room_id}/members/artist-b", json={"role": "writer"}).status_code == 200
    )
    assert other.http.get(f"/writers/rooms/{room_id}").json()["role"] == "writer"
    assert (
        other.http.put(f"/writers/rooms/{room_id}/members/artist-c", json={"role": "admin"}).status_code
        == 403
    )
    assert api.http.delete(f"/writers/rooms/{room_id}/members/artist-a").status_code == 400  # the last admin
    # chats are their author's: B cannot read A's turn
    turn = ask(api, room_id, "Wer ist im Archiv?")
    assert other.http.get(f"/writers/rooms/{room_id}/turns/{turn['turn_id']}").status_code == 404
    assert other.http.get(f"/writers/rooms/{room_id}/sessions/{turn['session_id']}").status_code == 404
    assert api.http.delete(f"/writers/rooms/{room_id}/members/artist-b").json()["removed"] is True
    assert other.http.get(f"/writers/rooms/{room_id}").status_code == 404


def test_hostile_documents_fail_alone_with_a_reason(api: Api, room: dict[str, Any]) -> None:
    room_id = room["room_id"]
    bad = {
        "corrupt": put(api, room_id, "kaputt.docx", b"PK\x03\x04 not really a zip"),
        "bomb": put(api, room_id, "bombe.docx", zip_bomb()),
        "locked": put(api, room_id, "gesperrt.pdf", encrypted_pdf()),
    }
    docs = wait_documents(api, room_id, list(bad.values()))
    assert "corrupt" in docs[bad["corrupt"]]["error"]
    assert "zip bomb" in docs[bad["bomb"]]["error"]
    assert "password" in docs[bad["locked"]]["error"]
    assert all(docs[d]["status"] == "failed" for d in bad.values())
    refused = api.http.post(f"/writers/rooms/{room_id}/uploads", json={"filename": "x.exe", "size_bytes": 10})
    assert refused.status_code == 400 and ".exe" in refused.json()["message"]
    # the rest of the room is untouched
    assert ask(api, room_id, ARCHIVE.questions[0].text)["citations"]


def test_revision_replaces_the_episode_and_duplicates_are_skipped(api: Api, room: dict[str, Any]) -> None:
    room_id = room["room_id"]
    episode = ARCHIVE.episodes[0]
    again = put(api, room_id, "kopie.fountain", episode.text.encode())
    revised = (
        episode.text.replace("INT.", "INT.", 1)
        + "\n\nINT. NEUE SZENE - TAG\n\nMarie gewinnt im Lotto 7 Millionen.\n"
    )
    revision = put(api, room_id, "folge_001_v2.fountain", revised.encode())
    docs = wait_documents(api, room_id, [again, revision])
    assert docs[again]["status"] == "duplicate" and docs[again]["duplicate_of"] == room["ids"][1]
    assert docs[revision]["status"] == "indexed" and docs[revision]["version"] == 2
    docs = {d["document_id"]: d for d in api.http.get(f"/writers/rooms/{room_id}/documents").json()["items"]}
    assert docs[room["ids"][1]]["status"] == "superseded"
    turn = ask(api, room_id, "Wer gewinnt im Lotto?")
    assert turn["citations"][0]["document_id"] == revision and turn["citations"][0]["episode"] == 1


def test_offline_archivist_cites_the_scene_or_says_not_in_archive(api: Api, room: dict[str, Any]) -> None:
    room_id = room["room_id"]
    question = next(q for q in ARCHIVE.questions if q.episode and q.episode > 1 and not q.paraphrase)
    turn = ask(api, room_id, question.text)
    assert turn["engine"] == "offline-archivist-v1" and turn["status"] == "done"
    assert any(c["episode"] == question.episode and c["scene"] == question.scene for c in turn["citations"])
    scene = api.http.get(
        f"/writers/rooms/{room_id}/scenes/{turn['citations'][0]['document_id']}/"
        f"{turn['citations'][0]['scene']}"
    ).json()
    assert turn["citations"][0]["quote"] in scene["text"]
    nothing = ask(api, room_id, "Wer hat den Zeppelin über dem Dom gestohlen?")
    assert nothing["not_in_archive"] and nothing["citations"] == [] and "nicht im Archiv" in nothing["text"]
    creative = ask(api, room_id, "Schreib eine Szene, in der Marie kündigt.", mode="creative")
    assert creative["needs_provider"] and "<retrieved_scenes>" in creative["context"]
    assert creative["context"].startswith("[cached prefix: ") and "<archive_digest>" in creative["context"]
    history = api.http.get(f"/writers/rooms/{room_id}/sessions").json()["items"]
    assert len(history) >= 3


def test_bible_lists_characters_relationships_and_episodes(api: Api, room: dict[str, Any]) -> None:
    bible = api.http.get(f"/writers/rooms/{room['room_id']}/bible").json()
    assert bible["version"] >= 1
    names = {c["name"] for c in bible["characters"]}
    assert {"Marie", "Jonas"} & names
    assert sorted(e["episode"] for e in bible["episodes"]) == list(range(1, 9))
    rel = {(a, b, k) for a, b, k, _ in ARCHIVE.relationships}
    found = {(c["name"], r["character"], r["kind"]) for c in bible["characters"] for r in c["relationships"]}
    assert rel and rel <= found


def test_drop_folder_and_weekly_refresh(api: Api, stack: LocalStack, room: dict[str, Any]) -> None:
    room_id = room["room_id"]
    text = "Title: Folge 99\n\nINT. KIOSK - TAG\n\nTill verkauft den Kiosk an Paco.\n"
    folder = stack.drop_folder_path / "writers" / room_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "folge_099.txt").write_text(text, encoding="utf-8")
    stack.drop.poll()
    stack.drop.poll()  # taken once its size held for one poll
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        docs = [
            d
            for d in api.http.get(f"/writers/rooms/{room_id}/documents").json()["items"]
            if d["episode"] == 99
        ]
        if docs and docs[0]["status"] == "indexed":
            break
        time.sleep(0.3)
    assert docs and docs[0]["status"] == "indexed" and docs[0]["source"] == "drop"
    [report] = stack.scheduler.run_rule("writers-refresh")
    assert report["engine"].startswith("offline") and report["restarted"] == 0  # nothing was left over
    mine = next(r for r in report["rooms"] if r["room_id"] == room_id)
    assert mine["bible_version"] is None  # the archive did not change since the last bible: same prefix


@pytest.fixture()
def claude(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropicCache]:
    with FakeAnthropicCache() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield fake


def test_claude_streams_reads_the_cached_prefix_and_records_metrics(
    api: Api, room: dict[str, Any], claude: FakeAnthropicCache
) -> None:
    room_id = room["room_id"]
    question = next(q for q in ARCHIVE.questions if q.episode and not q.paraphrase)
    first = ask(api, room_id, question.text)
    assert first["engine"] == "anthropic:claude-sonnet-4-6" and first["status"] == "done", first
    assert first["usage"]["cache_creation_input_tokens"] > 0
    second = ask(api, room_id, "Und was passiert danach?", session=first["session_id"])
    assert second["usage"]["cache_read_input_tokens"] > 0
    assert second["usage"]["cache_read_input_tokens"] >= first["usage"]["cache_creation_input_tokens"]
    assert [
        t["turn_id"]
        for t in api.http.get(f"/writers/rooms/{room_id}/sessions/{first['session_id']}").json()["turns"]
    ] == [first["turn_id"], second["turn_id"]]
    metrics = api.http.get(f"/writers/rooms/{room_id}/metrics", params={"days": 1}).json()
    today = metrics["days"][-1]
    assert today["calls_by_mode"]["archivist"] >= 2
    assert today["cache_read_input_tokens"] >= second["usage"]["cache_read_input_tokens"]
    # the figures add up to the calls: this room's only model calls are the two turns
    turns = (first, second)
    assert today["calls"] == 2
    for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        field = "uncached_input_tokens" if key == "input_tokens" else key
        assert today[field] == sum(t["usage"][key] for t in turns)
    assert Decimal(today["cost_usd"]) == sum(Decimal(t["cost_usd"]) for t in turns)
    assert Decimal(today["saved_usd"]) == Decimal(today["cost_without_cache_usd"]) - Decimal(
        today["cost_usd"]
    )
    assert today["cache_read_share"] == round(today["cache_read_input_tokens"] / today["input_tokens"], 4)
    # the weekly refresh warms the active room: both modes' prefixes are written
    assert os.environ["ANTHROPIC_BASE_URL"] == claude.url
    report = api.stack.scheduler.run_rule("writers-refresh")[0]
    assert report["warmed"] >= 1


def test_cli_ingests_with_a_progress_bar_and_asks_as_json(
    stack: LocalStack, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from soundmosaic_local.cli import main

    archive = generate(episodes=3, seed=21)
    files = archive.write(tmp_path / "scripts")
    assert (
        main(
            [
                "--data-dir",
                str(stack.data_dir),
                "--artist",
                "artist-cli",
                "writers",
                "ingest",
                *map(str, files),
                "--room",
                "CLI-Raum",
            ]
        )
        == 0
    )
    printed = capsys.readouterr()
    assert len(re.findall(r"\sindexed\s+episode=\d", printed.out)) == 3 and "created room" in printed.err
    question = next(q for q in archive.questions if q.episode and not q.paraphrase)
    assert (
        main(
            [
                "--data-dir",
                str(stack.data_dir),
                "writers",
                "ask",
                question.text,
                "--room",
                "CLI-Raum",
                "--artist",
                "artist-cli",
                "--json",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["engine"] == "offline-archivist-v1" and answer["answer"]
    assert {"document", "episode", "scene"} <= set(answer["citations"][0])
    assert any((c["episode"], c["scene"]) == (question.episode, question.scene) for c in answer["citations"])


def test_continuity_check_and_character_arc_offline(api: Api, room: dict[str, Any]) -> None:
    room_id = room["room_id"]
    fact = next(q for q in ARCHIVE.questions if q.episode and q.episode > 1 and "versteckt" in q.fact).fact
    negated = fact.replace(" versteckt ", " versteckt nicht ", 1)
    draft = f"{fact} {negated} Ein Drache landet auf dem Kölner Dom."
    report = api.http.post(f"/writers/rooms/{room_id}/tools/continuity", json={"draft": draft})
    assert report.status_code == 200, report.text
    verdicts = [f["verdict"] for f in report.json()["findings"]]
    assert verdicts[0] == "consistent" and verdicts[1] == "contradiction" and verdicts[2] == "unknown"
    assert report.json()["findings"][1]["evidence"][0]["quote"] == fact
    name = fact.split()[0]
    arc = api.http.post(f"/writers/rooms/{room_id}/tools/arc", json={"character": name.lower()}).json()
    assert arc["known"] and arc["character"] == name and arc["beats"]
    assert all(b["citation"]["episode"] == b["episode"] for b in arc["beats"])
    unknown = api.http.post(f"/writers/rooms/{room_id}/tools/arc", json={"character": "Zorro"}).json()
    assert not unknown["known"] and unknown["beats"] == []
    too_long = api.http.post(f"/writers/rooms/{room_id}/tools/continuity", json={"draft": "x" * 60_001})
    assert too_long.status_code == 422


def test_refresh_restarts_stuck_documents_and_fails_uploads_never_sent(api: Api, stack: LocalStack) -> None:
    from soundmosaic.writers.store import WritersStore, room_pk

    room_id = api.http.post("/writers/rooms", json={"name": "Refresh"}).json()["room_id"]
    stuck = put(api, room_id, "folge_042.fountain", b"INT. GYM - TAG\n\nBritta trainiert allein.\n")
    wait_documents(api, room_id, [stuck])
    never = api.http.post(
        f"/writers/rooms/{room_id}/uploads", json={"filename": "x.txt", "size_bytes": 5}
    ).json()
    store, old = WritersStore(), "2020-01-01T00:00:00.000Z"
    store.update(room_pk(room_id), f"DOC#{stuck}", {"status": "parsing", "updated_at": old})  # its run died
    store.update(room_pk(room_id), f"DOC#{never['document_id']}", {"updated_at": old})
    [report] = stack.scheduler.run_rule("writers-refresh")
    assert next(r for r in report["rooms"] if r["room_id"] == room_id)["restarted"] == 1
    docs = wait_documents(api, room_id, [stuck, never["document_id"]])
    assert docs[stuck]["status"] == "indexed" and docs[stuck]["version"] == 1
    assert (
        docs[never["document_id"]]["status"] == "failed"
        and "never arrived" in docs[never["document_id"]]["error"]
    )
