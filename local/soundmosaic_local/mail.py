"""The local stack's mail catcher (laptop only): an SMTP server on localhost that keeps every
message it receives under ``<data>/mail/`` as an ``.eml`` file, instead of delivering it.

The booth's delivery step sends through ``BOOTH_MAIL=smtp://127.0.0.1:<port>`` exactly as it sends
through Google Workspace's relay in production (``soundmosaic.booth.delivery``); ``soundmosaic booth
mail`` lists what was caught. The folder is private to the data directory (mode 0700): the
messages hold the participants' addresses and links.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from soundmosaic_local.http_server import StartStop


def _quiet_protocol_log(record: logging.LogRecord) -> bool:
    """aiosmtpd logs each recipient and message line at INFO/DEBUG: addresses are personal data,
    so only its warnings and errors pass (a filter, which no level change elsewhere undoes)."""
    return record.levelno >= logging.WARNING


logging.getLogger("mail.log").addFilter(_quiet_protocol_log)


class _Keep:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}.eml"
        fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@dataclass
class CaughtMail:
    file: str
    to: str
    subject: str
    date: str
    body: str


class MailCatcher(StartStop):
    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.folder, self.host, self.port = folder, host, port
        self._controller: Controller | None = None

    def start(self) -> MailCatcher:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        self._controller = Controller(
            _Keep(self.folder), hostname=self.host, port=self.port or _free_port(self.host)
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def caught(folder: Path) -> list[CaughtMail]:
    """The caught messages, oldest first."""
    out = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        out.append(
            CaughtMail(
                path.name,
                str(message["To"]),
                str(message["Subject"]),
                str(message["Date"] or ""),
                body.get_content() if body is not None else "",
            )
        )  # type: ignore[attr-defined]
    return out
