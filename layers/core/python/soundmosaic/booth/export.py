"""The organiser's CSV of an event's participants (docs/booth.md, "Export").

Columns: opaque id, name, e-mail, phone, each consent, status, the participant's download link.
A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is prefixed with ``'``: E.164 phones start with ``+``, and an e-mail's local part
may legally start with ``=``, so CSV injection is neutralised here rather than refused at capture.
"""

from __future__ import annotations

import csv
import io
from typing import Any

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(rows: list[dict[str, Any]], consent_keys: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "participant_id",
            "name",
            "email",
            "phone",
            *[f"consent_{k}" for k in consent_keys],
            "status",
            "download_url",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                _cell(r["participant_id"]),
                _cell(r["name"]),
                _cell(r["email"]),
                _cell(r["phone"]),
                *["yes" if r["consents"].get(k) else "no" for k in consent_keys],
                _cell(r["status"]),
                _cell(r["download_url"]),
            ]
        )
    return out.getvalue()
