"""``soundmosaic sieb ask --json`` prints one JSON object; ``sieb load`` loads a folder as the
artist's own collections (and refuses a broken one with the file and line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from soundmosaic_local.cli import main


def test_ask_json_prints_one_object(
    sieb_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--data-dir", str(tmp_path), "sieb", "ask", "How many stock-outs per warehouse?", "--json"])
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["engine"] == "offline" and answer["collection"] == "inventory" and answer["pipeline"]
    assert answer["total"] == len(answer["rows"]) > 0 and answer["mapping"]["kind"] == "rule"
    assert main(["--data-dir", str(tmp_path), "sieb", "ask", "drop everything now", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["understood"] is False


def test_load_a_folder_as_the_artists_collections(
    sieb_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "venues.jsonl").write_text('{"_id": "V1", "capacity": {"$numberDecimal": "1200"}}\n')
    args = ["--data-dir", str(tmp_path), "--artist", "artist-cli", "sieb", "load", str(folder)]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["collections"]["venues"] == {"documents": 1, "new": 1}
    (folder / "venues.jsonl").write_text('{"_id": "V1", broken\n')
    assert main(args) == 1
    assert "venues.jsonl line 1" in capsys.readouterr().out
