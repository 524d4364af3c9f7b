"""The local stack's KMS keys survive a restart (laptop only, never deployed).

moto keeps KMS keys in memory and makes new key material on every start, which would leave every
sealed booth record of the last run unreadable. The first start saves each listed key's id and
material under ``<data>/kms/`` (mode 0600, like the dev-token secret); later starts put them back
into moto's backend, so the same ciphertexts open. In AWS the keys are KMS's own and never leave it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from moto.kms.models import kms_backends
from soundmosaic.platform import resources

from soundmosaic_local.runtime import provision


def _backend() -> Any:
    return kms_backends[provision.ACCOUNT][provision.REGION]


def keep(folder: Path, stage: str) -> None:
    """Restore the saved keys into moto, or save the keys ``provision.create_keys`` just made."""
    backend = _backend()
    folder.mkdir(parents=True, exist_ok=True)
    for listed in resources.KEYS:
        alias = resources.key_alias(stage, listed.key)
        key_id = backend.get_key_id_from_alias(alias)
        if key_id is None:
            raise RuntimeError(f"the local KMS key {alias} was not created")
        saved = folder / f"{listed.key}.json"
        key = backend.keys[key_id]
        if saved.exists():
            state = json.loads(saved.read_text())
            if state["id"] != key_id:  # a fresh moto made a new key: give it the saved identity
                backend.keys.pop(key_id)
                key.arn = key.arn.replace(key_id, state["id"])
                key.id = state["id"]
                for a in key.aliases.values():
                    a.target_key_id = key.id
                backend.keys[key.id] = key
            key.key_material = base64.b64decode(state["material"])
            continue
        data = json.dumps({"id": key.id, "material": base64.b64encode(key.key_material).decode()})
        fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(data)
