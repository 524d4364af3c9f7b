"""Envelope encryption of a participant's PII with KMS (docs/booth.md, "Privacy").

Each record gets its own data key from ``GenerateDataKey`` (AES-256); the PII is sealed locally
with AES-GCM and only the KMS-encrypted copy of the data key is stored beside the ciphertext.
The KMS encryption context and the AES-GCM associated data both bind the record to its event and
participant ids, so a sealed blob copied onto another record does not open. Opening needs
``kms:Decrypt``, which only the API function holds (the organiser's views and the delivery mail);
the workflow's functions never see PII. Deleting the record deletes the only copy of its data key:
erasure needs no re-encryption of anything.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from soundmosaic.platform import aws, config

KEY_ENV = "BOOTH_PII_KEY"  # the KMS key's id/alias (platform.resources.KEYS)


@dataclass(frozen=True)
class Sealed:
    ciphertext: str  # base64 of AES-GCM output (ciphertext + tag)
    nonce: str
    data_key: str  # base64 of the KMS-encrypted data key
    key_id: str  # the KMS key that encrypted the data key

    def to_item(self) -> dict[str, str]:
        return {
            "ciphertext": self.ciphertext,
            "nonce": self.nonce,
            "data_key": self.data_key,
            "key_id": self.key_id,
        }

    @staticmethod
    def from_item(item: dict[str, Any]) -> Sealed:
        return Sealed(str(item["ciphertext"]), str(item["nonce"]), str(item["data_key"]), str(item["key_id"]))


def _context(event_id: str, participant_id: str) -> dict[str, str]:
    return {"event_id": event_id, "participant_id": participant_id}


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def seal(pii: dict[str, str], *, event_id: str, participant_id: str) -> Sealed:
    context = _context(event_id, participant_id)
    reply = aws.client("kms").generate_data_key(
        KeyId=config.resource(KEY_ENV), KeySpec="AES_256", EncryptionContext=context
    )
    nonce = os.urandom(12)
    plain = json.dumps(pii, ensure_ascii=False, sort_keys=True).encode()
    sealed = AESGCM(reply["Plaintext"]).encrypt(nonce, plain, _aad(context))
    return Sealed(
        base64.b64encode(sealed).decode(),
        base64.b64encode(nonce).decode(),
        base64.b64encode(reply["CiphertextBlob"]).decode(),
        str(reply["KeyId"]),
    )


def open_sealed(sealed: Sealed, *, event_id: str, participant_id: str) -> dict[str, str]:
    """The PII back; KMS refuses (InvalidCiphertextException) a key moved to another record."""
    context = _context(event_id, participant_id)
    reply = aws.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(sealed.data_key), EncryptionContext=context
    )
    plain = AESGCM(reply["Plaintext"]).decrypt(
        base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), _aad(context)
    )
    value: dict[str, str] = json.loads(plain)
    return value
