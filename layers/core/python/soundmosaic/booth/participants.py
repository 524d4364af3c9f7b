"""The booth's capture form: validation of a participant's name, e-mail, phone and consents.

Owns the rules of what the kiosk may send (docs/booth.md, "Capture form"). Every field is checked
and every problem is reported per field at once (``FormInvalid.errors``), so the kiosk can mark
each box. Names are Unicode (any script, combining marks, apostrophes, hyphens), normalised to
NFC; control, format (bidi overrides, zero-width) and markup characters are refused. Phones are
E.164 (``+`` country code and number, spaces, dots, hyphens and parentheses dropped). The e-mail
check is syntactic (RFC 5321 lengths, a dot-atom local part, an IDNA-encodable domain); the
delivery itself proves the mailbox. A consent is stored with the exact text the kiosk showed,
which must be the event's current text for that consent: a record never claims a consent to
words the participant did not see.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

NAME_MAX = 100
EMAIL_MAX = 254
CONSENT_TEXT_MAX = 2000
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PHONE_SEPARATORS = re.compile(r"[ .()\-]")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# Letters, combining marks, spaces and the punctuation names carry ("O'Brien", "Jean-Luc", "Jr.").
_NAME_PUNCTUATION = set(" '\u2019-.")


class FormInvalid(ValueError):
    """The form has errors: ``errors`` maps each bad field to a message a participant can read."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ConsentText:
    """One consent the event asks for: ``key`` (``media``, ``collage``...), the text, required or not."""

    key: str
    text: str
    required: bool


@dataclass(frozen=True)
class Consent:
    key: str
    text: str  # exactly what the kiosk showed
    accepted: bool


@dataclass(frozen=True)
class Form:
    name: str
    email: str
    phone: str
    consents: tuple[Consent, ...]

    def consented(self, key: str) -> bool:
        return any(c.key == key and c.accepted for c in self.consents)


def clean_name(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("enter your name")
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise ValueError("enter your name")
    if len(name) > NAME_MAX:
        raise ValueError(f"at most {NAME_MAX} characters")
    for ch in name:
        kind = unicodedata.category(ch)
        if not (kind[0] in "LM" or ch in _NAME_PUNCTUATION):
            raise ValueError(f"a name may not contain {unicodedata.name(ch, f'U+{ord(ch):04X}')}")
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        raise ValueError("a name needs at least one letter")
    return name


def clean_email(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("enter your e-mail address")
    email = raw.strip()
    if len(email) > EMAIL_MAX:
        raise ValueError(f"at most {EMAIL_MAX} characters")
    local, sep, domain = email.rpartition("@")
    if not sep or not local or not domain:
        raise ValueError("an e-mail address looks like name@example.com")
    if len(local) > 64 or not _LOCAL_PART.match(local):
        raise ValueError("the part before @ is not valid")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as err:
        raise ValueError("the domain after @ is not valid") from err
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError("the domain after @ is not valid")
    return f"{local}@{ascii_domain}"


def clean_phone(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("enter your phone number with its country code, e.g. +55 21 91234 5678")
    phone = _PHONE_SEPARATORS.sub("", raw.strip())
    if not _E164.match(phone):
        raise ValueError("use the international format: + country code and number, e.g. +55 21 91234 5678")
    return phone


def clean_consents(raw: Any, asked: tuple[ConsentText, ...]) -> tuple[Consent, ...]:
    """The answers to the event's consents; a missing, unknown or altered text is an error."""
    if not isinstance(raw, list) or len(raw) > len(asked):
        raise ValueError("answer each consent shown")
    given: dict[str, Consent] = {}
    for entry in raw:
        if not isinstance(entry, dict) or set(entry) != {"key", "text", "accepted"}:
            raise ValueError("each consent is {key, text, accepted}")
        key, text, accepted = entry["key"], entry["text"], entry["accepted"]
        if not isinstance(key, str) or not isinstance(text, str) or not isinstance(accepted, bool):
            raise ValueError("each consent is {key, text, accepted}")
        given[key] = Consent(key, text, accepted)
    out = []
    for ask in asked:
        answer = given.pop(ask.key, None)
        if answer is None:
            raise ValueError(f"answer the consent {ask.key!r}")
        if answer.text != ask.text:
            raise ValueError(f"the consent {ask.key!r} is not the text this event shows (reload the kiosk)")
        if ask.required and not answer.accepted:
            raise ValueError(f"the consent {ask.key!r} is needed to take part")
        out.append(answer)
    if given:
        raise ValueError(f"unknown consent {sorted(given)[0]!r}")
    return tuple(out)


def validate(raw: dict[str, Any], asked: tuple[ConsentText, ...]) -> Form:
    """The clean form, or ``FormInvalid`` naming every bad field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    checks = (("name", clean_name), ("email", clean_email), ("phone", clean_phone))
    for field, check in checks:
        try:
            values[field] = check(raw.get(field))
        except ValueError as err:
            errors[field] = str(err)
    try:
        values["consents"] = clean_consents(raw.get("consents"), asked)
    except ValueError as err:
        errors["consents"] = str(err)
    if errors:
        raise FormInvalid(errors)
    return Form(**values)
