"""Batch files: CSV and JSON items become clean briefs, and every mistake is named by row."""

from __future__ import annotations

import pytest
from soundmosaic.studio.batch import BatchError, parse_csv, parse_items

HEADER = "title,artist_name,genre,mood,prompt\n"


def test_a_good_csv_becomes_items_in_order():
    text = ("\ufeff" + HEADER.replace("prompt", "prompt,count,seed")
            + 'Neon Rain,Nova,synthwave,dreamy,"rain on neon, wide shot",2,7\n'
            + "\n"  # a blank line is harmless
            + "Glass,Nova,,,a glass harbour at dawn,,\n")
    items = parse_csv(text)
    assert [i.brief.title for i in items] == ["Neon Rain", "Glass"]
    assert [i.index for i in items] == [0, 1]
    assert (items[0].count, items[0].seed) == (2, 7)
    assert (items[1].count, items[1].seed) == (1, None)
    assert items[0].brief.prompt == "rain on neon, wide shot"
    assert items[1].brief.genre == ""


@pytest.mark.parametrize("text, message", [
    ("", "the CSV is empty"),
    ("title,artist_name,prompt\nA,B,C\n", "missing columns: genre, mood"),
    (HEADER.replace("title", "tilte"), "unknown columns: 'tilte'"),
    (HEADER.rstrip("\n") + ",title\n", "duplicated columns: title"),
    (HEADER + 'A,B,pop,sad,"unterminated\n', "malformed CSV"),
    (HEADER + "A,B,pop,sad\n", "line 2: 4 fields, the header has 5"),
    (HEADER + "A,B,pop,sad,\n", "line 2: prompt is required"),
    (HEADER + ",B,pop,sad,p\n", "line 2: title is required"),
    (HEADER + "A,,pop,sad,p\n", "line 2: artist_name is required"),
    (HEADER + "A,B,pop,sad," + "p" * 1001 + "\n", "line 2: prompt is 1001 characters"),
    (HEADER + "A,B,pop,sad,p\x00\n", "NUL bytes"),
    (HEADER.replace("prompt", "prompt,count") + "A,B,pop,sad,p,9\n", "count must be 1-4"),
    (HEADER.replace("prompt", "prompt,seed") + "A,B,pop,sad,p,x\n", "seed must be a whole number"),
    (HEADER, "the batch has no tracks"),
])
def test_bad_csv_is_refused_with_the_reason(text, message):
    with pytest.raises(BatchError, match=message):
        parse_csv(text)


def test_every_problem_is_reported_at_once_but_bounded():
    text = HEADER + "".join(f",B,pop,sad,p{n}\n" for n in range(40))
    with pytest.raises(BatchError) as caught:
        parse_csv(text)
    assert len(caught.value.problems) == 30
    assert caught.value.problems[0] == "line 2: title is required"
    assert str(caught.value).endswith("and 10 more")


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setenv("SOUNDMOSAIC_BATCH_MAX_ITEMS", "3")
    rows = "".join(f"T{n},B,pop,sad,p\n" for n in range(4))
    with pytest.raises(BatchError, match="more than 3 rows"):
        parse_csv(HEADER + rows)
    assert len(parse_csv(HEADER + "".join(f"T{n},B,pop,sad,p\n" for n in range(3)))) == 3
    with pytest.raises(BatchError, match="4 items; the limit is 3"):
        parse_items([{"title": "t", "artist_name": "a", "prompt": "p"}] * 4)


def test_the_default_limit_is_500():
    rows = "".join(f"T{n},B,pop,sad,p\n" for n in range(501))
    with pytest.raises(BatchError, match="more than 500 rows"):
        parse_csv(HEADER + rows)


def test_hostile_text_is_cleaned():
    items = parse_csv(HEADER + "\"Evil\u202eTitle\x07\",\"=cmd|' /C calc'!A0\",pop,sad,\"line\nbreak\"\n")
    brief = items[0].brief
    assert brief.title == "EvilTitle"
    assert brief.prompt == "line break"
    assert brief.artist_name == "=cmd|' /C calc'!A0"  # only ever data: never written to a spreadsheet


def test_json_items():
    items = parse_items([{"title": "A", "artist_name": "Nova", "prompt": "p", "count": 2},
                         {"Title": "B", "artist_name": "Nova", "prompt": "q", "seed": 5}])
    assert [(i.brief.title, i.count, i.seed) for i in items] == [("A", 2, None), ("B", 1, 5)]
    with pytest.raises(BatchError, match="items must be a list"):
        parse_items({"title": "A"})
    with pytest.raises(BatchError, match="item 1: not an object"):
        parse_items(["A"])
    with pytest.raises(BatchError, match="item 1: title must be text"):
        parse_items([{"title": 5, "artist_name": "Nova", "prompt": "p"}])
    with pytest.raises(BatchError, match="item 2: unknown columns: 'colour'"):
        parse_items([{"title": "A", "artist_name": "N", "prompt": "p"},
                     {"title": "B", "artist_name": "N", "prompt": "p", "colour": "red"}])
    with pytest.raises(BatchError, match="count must be a whole number"):
        parse_items([{"title": "A", "artist_name": "N", "prompt": "p", "count": 1.5}])
