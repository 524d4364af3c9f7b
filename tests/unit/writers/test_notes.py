"""The notes database (``soundmosaic.writers.notes``) against moto's DynamoDB: links, tags, search,
who may change a note, and the hostile input it refuses (bad tags, too many links, empty titles,
forged note ids, another room's note)."""

from __future__ import annotations

import pytest
from soundmosaic.writers import notes
from soundmosaic.writers.notes import NoteNotFound, NoteStore, NotYourNote


@pytest.fixture
def store(aws_env: None) -> NoteStore:
    return NoteStore()


def test_a_note_keeps_its_links_and_tags_cleaned(store: NoteStore) -> None:
    note = store.create("room-1", "ana", "  Lena's   secret ", "She knows about the letter.",
                        tags=["Cliffhanger", "cliffhanger ", "wedding"], episodes=[14, 12, 14],
                        characters=["Lena", " lena", "Jonas Weber"])
    assert note.title == "Lena's secret"
    assert note.tags == ["cliffhanger", "wedding"]
    assert note.episodes == [12, 14]
    assert note.characters == ["Lena", "Jonas Weber"]
    assert store.get("room-1", note.note_id) == note


def test_search_filters_by_words_tag_episode_and_character(store: NoteStore) -> None:
    a = store.create("room-1", "ana", "Café scene", "Lena meets Jonas at the Straße corner", tags=["romance"],
                     episodes=[12], characters=["Lena", "Jonas"])
    b = store.create("room-1", "ben", "Wedding", "Big day", tags=["wedding", "romance"], episodes=[20],
                     characters=["Jonas"])
    store.create("room-2", "ana", "Café scene", "another room", tags=["romance"], episodes=[12])

    def ids(**filters: object) -> list[str]:
        found, total, _ = store.search("room-1", **filters)  # type: ignore[arg-type]
        assert total == len(found)
        return [n.note_id for n in found]

    assert ids() == [b.note_id, a.note_id]  # newest first, only this room's
    assert ids(q="cafe strasse") == [a.note_id]  # case, accents and ß fold
    assert ids(q="cafe wedding") == []  # every word must be found
    assert ids(tag="ROMANCE") == [b.note_id, a.note_id]
    assert ids(tag="wedding") == [b.note_id]
    assert ids(episode=12) == [a.note_id]
    assert ids(character="jonas") == [b.note_id, a.note_id]
    assert ids(character="Lena", tag="wedding") == []
    found, total, tags = store.search("room-1", limit=1)
    assert (len(found), total) == (1, 2)
    assert tags == {"romance": 2, "wedding": 1}  # of the whole room, whatever the filter
    assert store.search("room-1", tag="wedding")[2] == tags


def test_only_the_author_an_editor_or_an_admin_changes_a_note(store: NoteStore) -> None:
    note = store.create("room-1", "ana", "Draft", tags=["idea"])
    with pytest.raises(NotYourNote):
        store.update("room-1", note.note_id, "ben", "writer", title="Hijacked")
    with pytest.raises(NotYourNote):
        store.delete("room-1", note.note_id, "ben", "writer")
    assert store.get("room-1", note.note_id).title == "Draft"  # nothing lost

    changed = store.update("room-1", note.note_id, "ana", "writer", body="more", tags=None)
    assert (changed.title, changed.body, changed.tags) == ("Draft", "more", ["idea"])
    changed = store.update("room-1", note.note_id, "ben", "editor", title="Edited")
    assert changed.title == "Edited" and changed.author == "ana"
    store.delete("room-1", note.note_id, "cara", "admin")
    with pytest.raises(NoteNotFound):
        store.get("room-1", note.note_id)


def test_another_rooms_note_and_forged_ids_are_not_found(store: NoteStore) -> None:
    note = store.create("room-1", "ana", "Mine")
    for room, note_id in (("room-2", note.note_id), ("room-1", "N#x"), ("room-1", "../" * 10),
                          ("room-1", "f" * 24)):
        with pytest.raises(NoteNotFound):
            store.get(room, note_id)
        with pytest.raises(NoteNotFound):
            store.update(room, note_id, "ana", "admin", title="x")
    assert store.search("room-2") == ([], 0, {})


@pytest.mark.parametrize("bad", [
    {"title": "   "},
    {"tags": ["<script>"]},
    {"tags": [""]},
    {"tags": ["x" * 41]},
    {"tags": [f"t{i}" for i in range(notes.MAX_TAGS + 1)]},
    {"episodes": list(range(notes.MAX_LINKS + 1))},
    {"characters": [" "]},
    {"characters": [f"c{i}" for i in range(notes.MAX_LINKS + 1)]},
])
def test_bad_input_is_refused_and_nothing_is_written(store: NoteStore, bad: dict[str, object]) -> None:
    fields: dict[str, object] = {"title": "ok", **bad}
    with pytest.raises(ValueError):
        store.create("room-1", "ana", **fields)  # type: ignore[arg-type]
    assert store.search("room-1") == ([], 0, {})


def test_a_full_room_refuses_more_notes_until_one_goes(store: NoteStore,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notes, "MAX_NOTES", 2)
    first = store.create("room-1", "ana", "one")
    store.create("room-1", "ana", "two")
    with pytest.raises(notes.RoomFull):
        store.create("room-1", "ana", "three")
    assert store.search("room-1")[1] == 2  # the refused note left nothing behind
    store.create("room-2", "ana", "another room counts apart")
    store.delete("room-1", first.note_id, "ana", "writer")
    with pytest.raises(NoteNotFound):
        store.delete("room-1", first.note_id, "ana", "writer")  # twice: the count moves once
    store.create("room-1", "ana", "three")
    with pytest.raises(notes.RoomFull):
        store.create("room-1", "ana", "four")
    assert store.delete_room("room-1") == 2
    assert store.search("room-1") == ([], 0, {})
    store.create("room-1", "ana", "a fresh start")
