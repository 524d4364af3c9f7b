"""Delivery of the participant's download link by e-mail, through an adapter (docs/booth.md).

``BOOTH_MAIL`` picks the adapter: ``ses`` (the default) sends through Amazon SES (SESv2 ``SendEmail``, raw
MIME), ``smtp://[user:password@]host:port[?starttls=1]`` through an SMTP server: Google Workspace's
relay (``smtp-relay.gmail.com:587`` with STARTTLS) or, locally, the mail catcher the stack starts.
Only the ``booth-notify`` function sends mail: it is the one workflow function allowed to open the
sealed record, and it reads nothing but the e-mail address and the code (never logged).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from soundmosaic.platform import aws

MAIL_ENV = "BOOTH_MAIL"
FROM_ENV = "BOOTH_MAIL_FROM"
DEFAULT_FROM = "SoundMosaic Booth <booth@soundmosaic.local>"


class Mailer(Protocol):
    engine: str

    def send(self, message: EmailMessage) -> str: ...


def compose(to: str, link: str, event_name: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = os.environ.get(FROM_ENV, DEFAULT_FROM)
    message["To"] = to
    message["Subject"] = f"Your video from {event_name} is ready"
    message["Date"] = formatdate(localtime=False)
    message.set_content(
        f"Hello!\n\nYour face-swap video and print image from {event_name} are ready:\n\n{link}\n\n"
        "The link is personal: anyone who has it can see your media. They are deleted "
        "automatically after the event's retention period; ask the organiser to delete them sooner.\n"
    )
    return message


@dataclass
class SmtpMailer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    engine: str = "smtp"

    def send(self, message: EmailMessage) -> str:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
        return self.engine


@dataclass
class SesMailer:
    engine: str = "ses"

    def send(self, message: EmailMessage) -> str:
        aws.client("sesv2").send_email(Content={"Raw": {"Data": message.as_bytes()}})
        return self.engine


def from_setting(value: str | None = None) -> Mailer:
    value = value if value is not None else os.environ.get(MAIL_ENV, "ses")
    if value == "ses":
        return SesMailer()
    parts = urlsplit(value)
    if parts.scheme == "smtp" and parts.hostname and parts.port:
        options = parse_qs(parts.query)
        return SmtpMailer(
            parts.hostname,
            parts.port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            options.get("starttls", ["0"])[0] == "1",
        )
    raise ValueError(
        f"{MAIL_ENV} must be 'ses' or smtp://host:port (the value is not logged: it may hold a password)"
    )
