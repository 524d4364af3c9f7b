"""The writers' room notes database: notes linked to episodes and characters, with tags and search.

A note belongs to one room (docs/writers-web.md, "The notes database"). Notes live in the room's
partition of the writers table (``WRITERS_TABLE``, ``soundmosaic.writers.store``), so a query
never leaves the room and a room's records stay together::

    ROOM#<room id>   / NOTE#<note id>   a note: title, body, tags, episodes, characters, author,
                                        and its folded text (``search``)
    ROOM#<room id>   / NOTECOUNT        how many notes the room holds (``MAX_NOTES`` at most)

Who may do what: the API first checks that the caller is a member of the room
(``rooms.role_of``); every member reads and writes notes; changing or deleting one is for its
author, or an editor or admin of the room (``may_change``, else ``NotYourNote``: 403).

Search reads the room's notes (newest first) and filters them here: a room holds hundreds to a
few thousand notes, one query reads them, and matching words inside title, body, tags and
character names needs no index DynamoDB has. The text a word search looks in is folded (case,
accents, ß) once when a note is written and stored beside it (``search``), so a search only
compares strings and builds only the notes it returns. ``MAX_NOTES`` bounds a room so that stays true:
creating a note and counting it are one transaction, so two writers at once cannot pass it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from boto3.dynamodb.conditions import Key

from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.items import from_item, to_item
from soundmosaic.platform.paging import new_id
from soundmosaic.writers.errors import NotRoomAdmin, WritersNotFound
from soundmosaic.writers.store import room_pk

MAX_NOTES = 5000
COUNTER = "NOTECOUNT"  # the room's note count, kept with each create and delete
MAX_TAGS, MAX_LINKS = 20, 50
EDITORS = ("editor", "admin")
_TAG = re.compile(r"^[\w][\w .:/+-]{0,39}$")
_NOTE_ID = re.compile(r"^[0-9a-f]{24}$")


class NoteNotFound(WritersNotFound):
    """No such note in the room (404, like every missing thing of a room)."""


class NotYourNote(NotRoomAdmin):
    """A writer changing or deleting another member's note (editors and admins may)."""


class RoomFull(ValueError):
    pass


@dataclass
class Note:
    room_id: str
    note_id: str
    author: str
    title: str
    body: str = ""
    tags: list[str] = field(default_factory=list)
    episodes: list[int] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=clock.iso)
    updated_at: str = field(default_factory=clock.iso)


def clean_tags(tags: list[str]) -> list[str]:
    """Tags as a set: trimmed, lower case, each once, in the order given; a bad one is refused."""
    out: list[str] = []
    for raw in tags:
        tag = " ".join(raw.split()).lower()
        if not _TAG.match(tag):
            raise ValueError(f"tag {raw[:40]!r} must be 1-40 letters, digits, spaces or . : / + - _")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ValueError(f"a note has at most {MAX_TAGS} tags")
    return out


def clean_characters(names: list[str]) -> list[str]:
    """Character names trimmed, each once (case-insensitively), in the order given."""
    out: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            raise ValueError("a character name is empty")
        if name.casefold() not in {n.casefold() for n in out}:
            out.append(name)
    if len(out) > MAX_LINKS:
        raise ValueError(f"a note links at most {MAX_LINKS} characters")
    return out


def clean_episodes(episodes: list[int]) -> list[int]:
    out = sorted(set(episodes))
    if len(out) > MAX_LINKS:
        raise ValueError(f"a note links at most {MAX_LINKS} episodes")
    return out


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, so ``strasse`` finds ``Straße`` and ``cafe`` ``Café``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")


def search_text(note: Note) -> str:
    """What a word search looks in, folded once when the note is written (kept as ``search``)."""
    return _fold(" ".join([note.title, note.body, *note.tags, *note.characters]))


def matches(item: dict[str, Any], q: str | None = None, tag: str | None = None, episode: int | None = None,
            character: str | None = None) -> bool:
    """Whether a stored note passes every filter given: each word of ``q`` somewhere in its text,
    the tag among its tags, the episode and the character among its links. Works on the item as
    read (no ``Note`` built), so a search only builds the notes it returns."""
    if tag is not None and tag.strip().lower() not in item.get("tags", ()):
        return False
    if episode is not None and episode not in item.get("episodes", ()):
        return False
    if character is not None and _fold(character.strip()) not in map(_fold, item.get("characters", ())):
        return False
    if q:
        text = item.get("search") or search_text(_load(item))
        return all(word in text for word in _fold(q).split())
    return True


def may_change(note: Note, user_id: str, role: str) -> bool:
    return note.author == user_id or role in EDITORS


def _load(item: dict[str, Any]) -> Note:
    names = {f.name for f in fields(Note)}
    return Note(**{k: v for k, v in from_item(item).items() if k in names})


def _item(note: Note) -> dict[str, Any]:
    return {"pk": room_pk(note.room_id), "sk": f"NOTE#{note.note_id}", **to_item(asdict(note)),
            "search": search_text(note)}


class NoteStore:
    """Every room's notes in the writers table."""

    def __init__(self, table_name: str | None = None) -> None:
        self.table = aws.resource("dynamodb").Table(table_name or resource("WRITERS_TABLE"))
        self._client = self.table.meta.client  # typed values, as the resource takes them

    def create(self, room_id: str, author: str, title: str, body: str = "", tags: list[str] | None = None,
               episodes: list[int] | None = None, characters: list[str] | None = None) -> Note:
        """A new note, counted against ``MAX_NOTES`` in the same transaction (``RoomFull``)."""
        note = Note(room_id, new_id(), author, _title(title), body, clean_tags(tags or []),
                    clean_episodes(episodes or []), clean_characters(characters or []))
        pk = room_pk(room_id)
        try:
            self._client.transact_write_items(TransactItems=[
                {"Update": {"TableName": self.table.name, "Key": {"pk": pk, "sk": COUNTER},
                            "UpdateExpression": "SET notes = if_not_exists(notes, :zero) + :one",
                            "ConditionExpression": "attribute_not_exists(notes) OR notes < :most",
                            "ExpressionAttributeValues": {":zero": 0, ":one": 1, ":most": MAX_NOTES}}},
                {"Put": {"TableName": self.table.name, "ConditionExpression": "attribute_not_exists(pk)",
                         "Item": _item(note)}}])
        except self._client.exceptions.TransactionCanceledException as err:
            raise RoomFull(f"the room holds {MAX_NOTES} notes, the most it may: delete some first") from err
        return note

    def get(self, room_id: str, note_id: str) -> Note:
        if not _NOTE_ID.match(note_id):
            raise NoteNotFound(f"no note {note_id[:40]}")
        item = self.table.get_item(Key={"pk": room_pk(room_id), "sk": f"NOTE#{note_id}"}).get("Item")
        if not item:
            raise NoteNotFound(f"no note {note_id}")
        return _load(item)

    def search(self, room_id: str, q: str | None = None, tag: str | None = None, episode: int | None = None,
               character: str | None = None, limit: int = 100) -> tuple[list[Note], int, dict[str, int]]:
        """One read of the room's notes: those that match (see ``matches``), newest first, the
        first ``limit`` of them; how many match in all; and every tag of the room with how many
        notes carry it, most used first."""
        items = self._items(room_id)
        found = [i for i in items if matches(i, q, tag, episode, character)]
        counts: dict[str, int] = {}
        for item in items:
            for t in item.get("tags", ()):
                counts[t] = counts.get(t, 0) + 1
        tags = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return [_load(i) for i in found[:limit]], len(found), tags

    def update(self, room_id: str, note_id: str, user_id: str, role: str, **changes: Any) -> Note:
        """Change the fields given (None: unchanged). Only the author, an editor or an admin may."""
        note = self.get(room_id, note_id)
        if not may_change(note, user_id, role):
            raise NotYourNote("only the note's author or an editor or admin of the room may change it")
        cleaners: dict[str, Callable[[Any], Any]] = {
            "title": _title, "body": str, "tags": clean_tags, "episodes": clean_episodes,
            "characters": clean_characters}
        for name, value in changes.items():
            if value is not None:
                setattr(note, name, cleaners[name](value))
        note.updated_at = clock.iso()
        self.table.put_item(Item=_item(note),
                            ConditionExpression="attribute_exists(pk)")
        return note

    def delete(self, room_id: str, note_id: str, user_id: str, role: str) -> None:
        note = self.get(room_id, note_id)
        if not may_change(note, user_id, role):
            raise NotYourNote("only the note's author or an editor or admin of the room may delete it")
        pk = room_pk(room_id)
        try:
            self._client.transact_write_items(TransactItems=[
                {"Delete": {"TableName": self.table.name, "Key": {"pk": pk, "sk": f"NOTE#{note_id}"},
                            "ConditionExpression": "attribute_exists(pk)"}},
                {"Update": {"TableName": self.table.name, "Key": {"pk": pk, "sk": COUNTER},
                            "UpdateExpression": "SET notes = notes - :one",
                            "ExpressionAttributeValues": {":one": 1}}}])
        except self._client.exceptions.TransactionCanceledException as err:
            raise NoteNotFound(f"no note {note_id}") from err  # deleted by another request first

    def delete_room(self, room_id: str) -> int:
        """Every note of a room, and its count (when the room goes); how many notes there were."""
        keys = self._items(room_id, keys_only=True)
        with self.table.batch_writer() as batch:
            for key in keys:
                batch.delete_item(Key=key)
            batch.delete_item(Key={"pk": room_pk(room_id), "sk": COUNTER})
        return len(keys)

    def _items(self, room_id: str, keys_only: bool = False) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(room_pk(room_id))
                                 & Key("sk").begins_with("NOTE#"), "ScanIndexForward": False}
        if keys_only:
            query["ProjectionExpression"] = "pk, sk"
        items: list[dict[str, Any]] = []
        while True:
            reply = self.table.query(**query)
            items.extend(reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return items
            query["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ValueError("a note needs a title")
    return title
