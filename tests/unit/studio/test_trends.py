"""Naming trends refreshed from the catalog's titles, stored, read by the name generator, and the
report of what changed. Hostile input tried: an unknown source (reported, nothing stored), an
empty catalog (nothing stored), titles with no letters."""

from __future__ import annotations

from typing import Any

import pytest
from soundmosaic.catalog.store import CatalogStore, Recording
from soundmosaic.royalties.provenance import Work
from soundmosaic.studio import names, trends

TITLES = ["Halo", "Glass", "3AM in Lisbon", "Call Me When You Land", "Neon Rain", "Blue Hour", "slow motion",
          "Gravity (Say It Twice)", "22 Summers", "!!!"]


def catalog(titles: list[str]) -> None:
    store = CatalogStore()
    for i, title in enumerate(titles):
        store.put(Recording(f"rec-{i}", title, ("Someone",), None, 180_000, Work(f"work:{i}", {"h": 1})))


@pytest.mark.parametrize(("pattern", "yes", "no"), [
    ("one-word", "Halo", "Blue Hour"), ("lowercase", "slow motion", "Slow Motion"),
    ("time-and-place", "3AM in Lisbon", "Halo"), ("direct-address", "Call Me When You Land", "Glass"),
    ("parenthetical", "Gravity (Say It Twice)", "Gravity"), ("numbers", "22 Summers", "Summers"),
    ("compound", "Neon Rain", "neon rain"), ("colour", "Blue Hour", "Hour"), ("lowercase", "slow", "!!!"),
])
def test_patterns(pattern: str, yes: str, no: str) -> None:
    assert trends.follows(pattern, yes) and not trends.follows(pattern, no)


def test_refresh_stores_trends_from_the_catalog_and_reports_changes(aws_env: Any) -> None:
    empty = {"source": "catalog", "refreshed": False, "reason": "the catalog has no titles yet"}
    assert trends.refresh() == empty
    assert trends.current() is None
    file_weights = {t["name"]: t["weight"] for t in names.load_trends("")}
    catalog(TITLES)
    report = trends.refresh()
    assert report["refreshed"] and report["titles"] == len(TITLES)
    by_name = {c["pattern"]: c for c in report["changed"]}
    assert by_name["one-word"]["weight_before"] is None
    assert by_name["one-word"]["weight_after"] == 3.7  # 1 + 9 x 3/10 of the titles
    assert set(by_name["one-word"]["examples"]) == {"Halo", "Glass", "!!!"}
    stored = trends.current()
    assert stored is not None and stored["source"] == "catalog" and stored["titles"] == len(TITLES)
    # the name generator now leans on the refreshed trends, not the file's
    loaded = {t["name"]: t for t in names.load_trends("")}
    assert loaded["one-word"]["weight"] == 3.7 and "Halo" in loaded["one-word"]["examples"]
    assert {k: v["weight"] for k, v in loaded.items()} != file_weights
    assert trends.refresh()["changed"] == []  # nothing new: nothing changed
    catalog(["Midnight in Paris", "Dawn to Dusk"])  # rec-0, rec-1 retitled: two more time-and-place titles
    changed = {c["pattern"] for c in trends.refresh()["changed"]}
    assert "time-and-place" in changed and "one-word" in changed


def test_sources(aws_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog(TITLES)
    monkeypatch.setenv("SOUNDMOSAIC_TRENDS_SOURCE", "file")
    assert trends.refresh() == {"source": "file", "refreshed": False, "reason": "trends come from the file"}
    monkeypatch.setenv("SOUNDMOSAIC_TRENDS_SOURCE", "charts-scraper")
    assert "unknown trends source" in trends.refresh()["reason"]
    assert trends.current() is None
