"""The writers' room notes routes (``/writers/rooms/{room_id}/notes``): notes linked to episodes
and characters, with tags and search. A Powertools ``Router`` included by ``api/app.py``; the
rest of the room's routes are in ``api/writers.py``.

Every route first checks that the caller (the token's artist id, never a body or query) is a
member of the room, with the room's own member check: a room the caller is not in answers 404,
as if it did not exist. Within a room every member reads and writes notes; changing or deleting
another member's note takes an editor or admin (403). The errors answer through ``caller``
(``NoteNotFound`` is a ``WritersNotFound``, ``NotYourNote`` a ``NotRoomAdmin``).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field
from soundmosaic.writers import notes

from .caller import artist
from .models import Reply, Request

router = Router()
NOTES = "/writers/rooms/<room_id>/notes"
Tag = Annotated[str, Field(min_length=1, max_length=40)]
Character = Annotated[str, Field(min_length=1, max_length=100)]
Episode = Annotated[int, Field(ge=0, le=99_999)]


class NoteRequest(Request):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)
    tags: list[Tag] = Field(default_factory=list, max_length=notes.MAX_TAGS,
                            description="kept lower case, each once")
    episodes: list[Episode] = Field(default_factory=list, max_length=notes.MAX_LINKS)
    characters: list[Character] = Field(default_factory=list, max_length=notes.MAX_LINKS)


class NoteChange(Request):
    """The fields to change; one left out stays as it is."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=20_000)
    tags: list[Tag] | None = Field(default=None, max_length=notes.MAX_TAGS)
    episodes: list[Episode] | None = Field(default=None, max_length=notes.MAX_LINKS)
    characters: list[Character] | None = Field(default=None, max_length=notes.MAX_LINKS)


class RoomNote(Reply):
    """A note of the room (``soundmosaic.writers.notes.Note``)."""

    note_id: str
    room_id: str
    author: str
    title: str
    body: str
    tags: list[str]
    episodes: list[int]
    characters: list[str]
    created_at: str
    updated_at: str


class NoteList(Reply):
    items: list[RoomNote] = Field(description="the matching notes, newest first (the first `limit`)")
    total: int = Field(description="how many notes match in all")
    tags: dict[str, int] = Field(description="every tag of the room's notes -> how many carry it, "
                                 "most used first")


def member(room_id: str) -> tuple[str, str]:
    """The caller and their role in the room: the rooms' own member check (``RoomNotFound``, 404,
    for a room the caller is not in, or a malformed id)."""
    from soundmosaic.writers import rooms
    from soundmosaic.writers.store import WritersStore

    user = artist()
    return user, rooms.role_of(WritersStore(), user, room_id)


@router.get(NOTES)
def list_notes(
    room_id: str,
    q: Annotated[str | None, Query(
        max_length=200, description="words, each found in title, text, tags or characters")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    episode: Annotated[int | None, Query(ge=0, le=99_999)] = None,
    character: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> NoteList:
    member(room_id)
    found, total, tags = notes.NoteStore().search(room_id, q, tag, episode, character, limit)
    return NoteList.model_validate({"items": [vars(n) for n in found], "total": total, "tags": tags})


@router.post(NOTES, status_code=201)
def create_note(room_id: str, body: NoteRequest) -> RoomNote:
    user, _ = member(room_id)
    note = notes.NoteStore().create(room_id, user, **body.model_dump())
    return RoomNote.model_validate(vars(note))


@router.patch(f"{NOTES}/<note_id>")
def change_note(room_id: str, note_id: str, body: NoteChange) -> RoomNote:
    user, role = member(room_id)
    note = notes.NoteStore().update(room_id, note_id, user, role, **body.model_dump(exclude_unset=True))
    return RoomNote.model_validate(vars(note))


@router.delete(f"{NOTES}/<note_id>", status_code=204)
def delete_note(room_id: str, note_id: str) -> Response[None]:
    user, role = member(room_id)
    notes.NoteStore().delete(room_id, note_id, user, role)
    return Response(204, None, None)

