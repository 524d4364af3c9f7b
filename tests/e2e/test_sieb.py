"""Sieb's chat and point cloud in headless Chromium against a real `soundmosaic up` (docs/sieb-web.md).

`soundmosaic up` loads the sample data (suppliers, products, inventory) into its embedded
MongoDB-wire server on a first start; the offline engine answers. One scenario
(tests/e2e/sieb_driver.mjs, WebGL2 on SwiftShader) asks a planner's question and walks the
answer as a user does: the table sorted (on the server: the 62 rows span two pages) and paged,
every row exported as CSV, the cloud drawn (pixels read back from WebGL), hovered, pinned,
orbited, zoomed, a lasso selection asked about, the mapping changed; then a follow-up, a
question it does not understand and one of its suggestions, an edited pipeline, and a hostile
one (`$out`), which the API refuses while the answer stays. The tests compare what the page
showed with what the API answers for the same pipeline.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Browser, Stack

pytestmark = pytest.mark.e2e

DRIVER = Path(__file__).with_name("sieb_driver.mjs")
QUESTION = "which SKUs from slow suppliers are below reorder point in Hamburg?"
HOSTILE = [{"$out": "products"}]


@pytest.fixture(scope="module")
def sample(stack: Stack) -> None:
    """`soundmosaic up` loads the sample collections in the background on a first start: wait for
    them (the schema card is slow while the load runs on a busy machine, so a slow reply is retried)."""
    expected = {"inventory": 10981, "products": 2000, "suppliers": 60}
    counts: dict[str, Any] = {}
    deadline = time.monotonic() + 360
    with stack.api() as api:
        while time.monotonic() < deadline:
            try:
                card = api.get("/sieb/schema", timeout=120)
            except httpx.TimeoutException:
                continue
            if card.status_code == 200:
                counts = {name: c.get("count") for name, c in card.json().get("collections", {}).items()}
                if counts == expected:
                    return
            time.sleep(1)
    pytest.fail(f"the Sieb sample data did not load: {counts}")


@pytest.fixture(scope="module")
def seen(browser: Browser, sample: None) -> dict[str, Any]:
    return browser.run("sieb", timeout=420, driver=DRIVER, question=QUESTION, sortColumn="on_hand",
                       followUp="only Microphones", nonsense="purple monkeys dance on the roof",
                       hostilePipeline=HOSTILE, mapX="on_hand", mapXLabel="on hand",
                       # the API refuses the hostile pipeline with a 400: the browser logs it
                       allow_console=("400 (Bad Request)",))


@pytest.fixture(scope="module")
def truth(stack: Stack, sample: None) -> dict[str, Any]:
    """The same question through the API: its pipeline and all of its rows."""
    with stack.api() as api:
        answer = api.post("/sieb/ask", json={"question": QUESTION, "limit": 1000})
        answer.raise_for_status()
        return dict(answer.json())


def test_the_question_is_answered_offline_as_a_table(seen: dict[str, Any], truth: dict[str, Any]) -> None:
    first = seen["first"]
    assert first["understood"] is True
    assert first["engine"] == "engine: offline (offline engine, no model)"
    assert re.fullmatch(r"plan \d+ ms · query \d+ ms", first["timing"])
    assert truth["total"] == 62
    assert first["range"] == "Rows 1\u201350 of 62"
    assert [h.split(" (")[0] for h in first["headers"]] == [c["name"] for c in truth["columns"]]
    assert [row[0] for row in first["rows"]] == [r["_id"] for r in truth["rows"][:50]]


def test_sorting_spans_pages_and_paging_follows_the_cursor(seen: dict[str, Any],
                                                           truth: dict[str, Any]) -> None:
    column = [c["name"] for c in truth["columns"]].index("on_hand")
    on_hand = [int(row[column]) for row in seen["sorted"]["rows"]]
    assert on_hand == sorted(on_hand)
    # sorted on the server: the smallest of all 62 rows come first, not the smallest of the first page
    assert on_hand[:5] == sorted(r["on_hand"] for r in truth["rows"])[:5]
    assert json.loads(seen["sortedPipeline"])[-1] == {"$sort": {"on_hand": 1, "_id": 1}}
    assert seen["canPage"] is True
    assert seen["page2"]["range"] == "Rows 51\u201362 of 62"
    page2 = [int(row[column]) for row in seen["page2"]["rows"]]
    assert page2 == sorted(page2) and page2[0] >= on_hand[-1]


def test_csv_export_holds_every_row(seen: dict[str, Any], truth: dict[str, Any]) -> None:
    assert seen["csv"]["name"].startswith("sieb-inventory-") and seen["csv"]["name"].endswith(".csv")
    rows = list(csv.reader(io.StringIO(seen["csv"]["text"].lstrip("\ufeff"))))
    assert len(rows) == 1 + 62
    assert rows[0][0] == "_id"
    assert sorted(r[0] for r in rows[1:]) == sorted(r["_id"] for r in truth["rows"])


def test_the_cloud_is_drawn_with_legend_axes_and_units(seen: dict[str, Any]) -> None:
    cloud = seen["cloud"]
    assert cloud["points"] == 62
    assert cloud["painted"] > 500  # WebGL drew: pixels read back from the canvas
    assert cloud["sampling"].startswith("62 rows, all drawn.")
    assert any(entry.startswith("Microphones") for entry in cloud["legend"])
    assert "white outline: highlighted (stock-out)" in cloud["legend"]
    assert cloud["axes"] == ["x: days of cover (days)", "y: supplier lead time (days)",
                             "z: stock value (EUR, log scale)"]
    assert {"days of cover (days)", "stock value (EUR, log scale)"} <= set(cloud["axisLabels"])


def test_hover_pin_orbit_and_zoom(seen: dict[str, Any]) -> None:
    assert re.search(r"_id\s*INV-\d{6}", seen["hover"])
    assert "days of cover" in seen["hover"]
    assert seen["pinned"] == 1
    assert seen["orbitMoved"] is True
    assert seen["zoomedIn"] is True


def test_lasso_selects_and_asks_about_the_selection(seen: dict[str, Any]) -> None:
    expected = len(seen["lassoExpected"])
    assert expected >= 1
    count = int(re.match(r"([\d,]+) points? selected", seen["selection"]).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert count >= expected  # the lasso ring holds at least the points well inside it
    ids = re.findall(r"INV-\d{6}", seen["selectionQuestion"])
    assert seen["selectionQuestion"].startswith("show these: ") and len(ids) == min(count, len(ids)) > 0
    answer = seen["selectionAnswer"]
    assert answer["understood"] is True
    assert answer["engine"] == "engine: offline (offline engine, no model)"
    answered = {i for row in answer["rows"] for cell in row for i in re.findall(r"INV-\d{6}", cell or "")}
    assert answered == set(ids)  # each selected position, and nothing else


def test_the_mapping_can_be_changed(seen: dict[str, Any]) -> None:
    assert seen["remappedAxes"][0] == "x: on hand (units)"


def test_follow_up_not_understood_and_suggestions(seen: dict[str, Any]) -> None:
    assert seen["followUp"]["understood"] is True
    nonsense = seen["nonsense"]
    assert nonsense["understood"] is False
    assert "not understood" in nonsense["text"]
    assert nonsense["suggestions"]
    assert seen["suggested"]["understood"] is True


def test_an_edited_pipeline_runs_and_a_hostile_one_is_refused(seen: dict[str, Any]) -> None:
    assert seen["edited"]["engine"] == "engine: your pipeline"
    assert seen["edited"]["range"].endswith("of 3") or seen["edited"]["range"] == "No rows"
    assert "$out" in seen["hostile"]
    assert seen["afterHostile"]["rows"] == seen["edited"]["rows"]  # nothing lost


def test_no_sideways_scrolling_on_a_phone(seen: dict[str, Any]) -> None:
    assert seen["phoneScrollsSideways"] is False
