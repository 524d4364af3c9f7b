"""Rooms (one per show or team) and their members with roles: writer < editor < admin.

The creator is the room's first admin. A user reaches a room only through a membership; a room
the user is not in is ``RoomNotFound``, the same answer as a room that does not exist, so room
ids cannot be probed. Admins add, change and remove members; the last admin cannot leave or be
demoted (a room always has someone who can manage it). See docs/writers.md.
"""

from __future__ import annotations

import re
from typing import Any

from soundmosaic.platform.paging import new_id
from soundmosaic.writers.errors import NotRoomAdmin, RoomNotFound, WritersNotFound
from soundmosaic.writers.store import WritersStore, now, room_pk

ROLES = ("writer", "editor", "admin")
_ID = re.compile(r"^[A-Za-z0-9_.@:-]{1,64}$")


def check_id(value: str, what: str = "id") -> str:
    if not _ID.match(value or ""):
        raise WritersNotFound(f"no {what} {value[:64]!r}")
    return value


def create(store: WritersStore, user: str, name: str, language: str) -> dict[str, Any]:
    room_id = new_id()
    stamp = now()
    store.put(
        {
            "pk": room_pk(room_id),
            "sk": "META",
            "room_id": room_id,
            "name": name,
            "language": language,
            "created_by": user,
            "created_at": stamp,
            "bible_version": 0,
        }
    )
    _put_member(store, room_id, name, user, "admin", stamp)
    return {
        "room_id": room_id,
        "name": name,
        "language": language,
        "role": "admin",
        "created_by": user,
        "created_at": stamp,
    }


def _put_member(store: WritersStore, room_id: str, name: str, user: str, role: str, stamp: str) -> None:
    store.put(
        {"pk": room_pk(room_id), "sk": f"MEMBER#{user}", "user_id": user, "role": role, "added_at": stamp}
    )
    store.put(
        {
            "pk": f"USER#{user}",
            "sk": f"ROOM#{room_id}",
            "room_id": room_id,
            "name": name,
            "role": role,
            "added_at": stamp,
        }
    )


def meta(store: WritersStore, room_id: str) -> dict[str, Any]:
    item = store.get(room_pk(check_id(room_id, "room")), "META")
    if item is None:
        raise RoomNotFound(f"no room {room_id}")
    return item


def role_of(store: WritersStore, user: str, room_id: str) -> str:
    """The user's role in the room; ``RoomNotFound`` if the user is not a member (or no room)."""
    item = store.get(room_pk(check_id(room_id, "room")), f"MEMBER#{user}")
    if item is None:
        raise RoomNotFound(f"no room {room_id}")
    return str(item["role"])


def require(store: WritersStore, user: str, room_id: str, at_least: str = "writer") -> dict[str, Any]:
    """The room's record with the caller's role, if the caller holds ``at_least`` that role."""
    role = role_of(store, user, room_id)
    if ROLES.index(role) < ROLES.index(at_least):
        raise NotRoomAdmin(f"this needs the {at_least} role in the room; you are {role}")
    return {**meta(store, room_id), "role": role}


def mine(store: WritersStore, user: str) -> list[dict[str, Any]]:
    rooms = []
    for link in store.query(f"USER#{user}", "ROOM#"):
        room = store.get(room_pk(link["room_id"]), "META")
        if room is not None:
            rooms.append({**room, "role": link["role"]})
    return sorted(rooms, key=lambda r: r["created_at"], reverse=True)


def members(store: WritersStore, room_id: str) -> list[dict[str, Any]]:
    return store.query(room_pk(room_id), "MEMBER#")


def set_member(store: WritersStore, user: str, room_id: str, member: str, role: str) -> dict[str, Any]:
    room = require(store, user, room_id, "admin")
    check_id(member, "user")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    current = store.get(room_pk(room_id), f"MEMBER#{member}")
    if current and current["role"] == "admin" and role != "admin":
        _keep_an_admin(store, room_id, member)
    stamp = current["added_at"] if current else now()
    _put_member(store, room_id, room["name"], member, role, stamp)
    return {"user_id": member, "role": role, "added_at": stamp}


def remove_member(store: WritersStore, user: str, room_id: str, member: str) -> dict[str, Any]:
    if member != user:  # anyone may leave; only admins remove others
        require(store, user, room_id, "admin")
    else:
        role_of(store, user, room_id)
    current = store.get(room_pk(room_id), f"MEMBER#{check_id(member, 'user')}")
    if current is None:
        return {"user_id": member, "removed": False}
    if current["role"] == "admin":
        _keep_an_admin(store, room_id, member)
    store.delete(room_pk(room_id), f"MEMBER#{member}")
    store.delete(f"USER#{member}", f"ROOM#{room_id}")
    return {"user_id": member, "removed": True}


def _keep_an_admin(store: WritersStore, room_id: str, leaving: str) -> None:
    admins = [m for m in members(store, room_id) if m["role"] == "admin" and m["user_id"] != leaving]
    if not admins:
        raise ValueError("a room needs an admin: make someone else admin first")
