"""The capture form: valid Unicode input passes normalised; hostile or malformed input is refused
per field, all fields at once."""

from __future__ import annotations

import pytest
from soundmosaic.booth.participants import ConsentText, FormInvalid, validate

ASKED = (
    ConsentText("media", "Use my photo for my video.", True),
    ConsentText("collage", "Show my face in the collage.", False),
)


def form(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "José da Silva",
        "email": "jose@example.com.br",
        "phone": "+55 (21) 91234-5678",
        "consents": [
            {"key": "media", "text": ASKED[0].text, "accepted": True},
            {"key": "collage", "text": ASKED[1].text, "accepted": False},
        ],
    }
    base.update(over)
    return base


@pytest.mark.parametrize(
    "name",
    ["José da Silva", "李小龍", "Zoë O'Brien-Smith", "Ñandú Jr.", "Ана-Мария", "ﾀﾛｳ", "Nguyễn Văn A", "محمد"],
)
def test_unicode_names_pass(name: str) -> None:
    assert validate(form(name=name), ASKED).name == " ".join(name.split())


def test_clean_values() -> None:
    f = validate(form(name="  Jose\u0301   da  Silva ", email="Ana@Bücher.de"), ASKED)
    assert f.name == "José da Silva"  # NFC, spaces collapsed
    assert f.phone == "+5521912345678"
    assert f.email == "Ana@xn--bcher-kva.de"
    assert f.consented("media") and not f.consented("collage")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "<script>alert(1)</script>"),
        ("name", "Robert'); DROP TABLE--"),
        ("name", "a" * 101),
        ("name", "evil\u202egnp.exe"),
        ("name", "zero\u200bwidth"),
        ("name", "null\x00byte"),
        ("name", ""),
        ("name", "12345"),
        ("name", None),
        ("name", ["list"]),
        ("name", "new\nline=HYPERLINK"),
        ("email", "no-at-sign"),
        ("email", "a@b"),
        ("email", "a b@example.com"),
        ("email", "a@-x.com"),
        ("email", "x" * 65 + "@example.com"),
        ("email", "a@example.com\r\nBcc: all@example.com"),
        ("email", "a..b@example.com"),
        ("email", "a@" + "b" * 250 + ".com"),
        ("email", 42),
        ("phone", "21 91234-5678"),
        ("phone", "+0 123456789"),
        ("phone", "+55 21 9123 ext 4"),
        ("phone", "+1234"),
        ("phone", "+" + "9" * 16),
        ("phone", "=1+1"),
    ],
)
def test_hostile_fields_are_refused_per_field(field: str, value: object) -> None:
    with pytest.raises(FormInvalid) as err:
        validate(form(**{field: value}), ASKED)
    assert list(err.value.errors) == [field]


def test_all_errors_at_once() -> None:
    with pytest.raises(FormInvalid) as err:
        validate({"name": "", "email": "x", "phone": "1", "consents": []}, ASKED)
    assert set(err.value.errors) == {"name", "email", "phone", "consents"}


@pytest.mark.parametrize(
    "consents",
    [
        [],  # nothing answered
        [
            {"key": "media", "text": ASKED[0].text, "accepted": False},  # required one refused
            {"key": "collage", "text": ASKED[1].text, "accepted": True},
        ],
        [
            {"key": "media", "text": "I agree to everything", "accepted": True},  # text not the one shown
            {"key": "collage", "text": ASKED[1].text, "accepted": True},
        ],
        [
            {"key": "media", "text": ASKED[0].text, "accepted": "yes"},  # not a boolean
            {"key": "collage", "text": ASKED[1].text, "accepted": True},
        ],
        [
            {"key": "media", "text": ASKED[0].text, "accepted": True},  # unknown extra consent
            {"key": "collage", "text": ASKED[1].text, "accepted": True},
            {"key": "sell", "text": "x", "accepted": True},
        ],
        [
            {"key": "media", "text": ASKED[0].text, "accepted": True, "admin": True},
            {"key": "collage", "text": ASKED[1].text, "accepted": True},
        ],
        "media",
    ],
)
def test_bad_consents(consents: object) -> None:
    with pytest.raises(FormInvalid) as err:
        validate(form(consents=consents), ASKED)
    assert list(err.value.errors) == ["consents"]
