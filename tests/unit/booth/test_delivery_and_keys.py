"""Delivery adapters and the local stack's KMS keys.

- SMTP: a real message through the local mail catcher (aiosmtpd on localhost) and read back.
- SES: SESv2 ``SendEmail`` (raw MIME) against moto, with the sender verified as SES requires.
- A ``BOOTH_MAIL`` of another form is refused without echoing it (it may hold a password).
- KMS: a record sealed before a restart (a fresh moto: new key id and material) still opens
  after ``kms_keys.keep`` put the saved key back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto import mock_aws
from soundmosaic.booth import crypto, delivery
from soundmosaic.platform import aws
from soundmosaic_local import mail
from soundmosaic_local.runtime import kms_keys, provision

from .conftest import PII


def test_smtp_through_the_mail_catcher(tmp_path: Path) -> None:
    with mail.MailCatcher(tmp_path / "mail") as catcher:
        mailer = delivery.from_setting(catcher.url)
        assert mailer.engine == "smtp"
        mailer.send(delivery.compose(PII["email"], "http://x/booth/p/CODE", "Rock in Rio"))
    (caught,) = mail.caught(tmp_path / "mail")
    assert caught.to == PII["email"] and caught.subject == "Your video from Rock in Rio is ready"
    assert "http://x/booth/p/CODE" in caught.body and caught.date
    assert (tmp_path / "mail").stat().st_mode & 0o777 == 0o700


def test_ses_sends_the_raw_message(aws_env: None) -> None:
    aws.client("ses").verify_email_identity(EmailAddress="booth@soundmosaic.local")
    mailer = delivery.from_setting("ses")
    assert mailer.send(delivery.compose(PII["email"], "http://x/booth/p/CODE", "Rock in Rio")) == "ses"
    assert aws.client("ses").get_send_quota()["SentLast24Hours"] == 1


@pytest.mark.parametrize("setting", ["smtp://user:secret@host", "http://host:25", "sms"])
def test_other_settings_are_refused_without_echo(setting: str) -> None:
    with pytest.raises(ValueError) as err:
        delivery.from_setting(setting)
    assert "secret" not in str(err.value) and "BOOTH_MAIL" in str(err.value)


def test_local_kms_key_survives_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "unit",
        "AWS_SECRET_ACCESS_KEY": "unit",
        **provision.environment("local", "http://x"),
    }.items():
        monkeypatch.setenv(name, value)
    ids = {"event_id": "ev_0123456789abcdef", "participant_id": "p_" + "1" * 20}
    for run in range(2):  # two starts of the stack, each with a fresh moto
        aws.reset()
        with mock_aws():
            provision.create_keys("local")
            kms_keys.keep(tmp_path / "kms", "local")
            if run == 0:
                sealed = crypto.seal(PII, **ids)
            else:
                assert crypto.open_sealed(sealed, **ids) == PII
    aws.reset()
    saved = json.loads((tmp_path / "kms" / "booth-pii.json").read_text())
    assert set(saved) == {"id", "material"}
    assert (tmp_path / "kms" / "booth-pii.json").stat().st_mode & 0o777 == 0o600
