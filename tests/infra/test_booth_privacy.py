"""The booth's privacy in the deployed stacks: who may open participants' PII, the PII key, the
booth media's expiry by retention tag, the one public route (a participant's code)."""

from __future__ import annotations

import pytest
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from tests.infra.conftest import STAGE
from tests.infra.helpers import actions, of_type, props, role_statements

pytestmark = pytest.mark.infra

ALIAS = resources.key_alias(STAGE, "booth-pii")


def _kms(synth) -> dict[str, set[str]]:
    """Function key -> the KMS actions its role holds (only on the PII key, by alias)."""
    names = {physical_name(STAGE, f.key): f.key for f in resources.FUNCTIONS}
    found: dict[str, set[str]] = {}
    for short in synth.templates:
        template = synth.json(short)
        for logical_id, fn in of_type(template, "AWS::Lambda::Function").items():
            key = names.get(props(fn).get("FunctionName"))
            if key is None:
                continue
            statements = [s for s in role_statements(template, logical_id)
                          if any(a.startswith("kms:") for a in actions([s]))]
            for s in statements:  # only the booth's key, matched by its alias
                assert s["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ALIAS}}, key
            found[key] = actions(statements)
    return found


def test_only_the_api_and_booth_notify_may_decrypt_pii(synth):
    kms = _kms(synth)
    assert {k for k, a in kms.items() if "kms:Decrypt" in a} == {"api", "booth-notify"}
    assert {k for k, a in kms.items() if "kms:GenerateDataKey" in a} == {"api"}
    assert kms["booth"] == set()  # the workflow's steps (face swap, encode...) never open PII
    assert all(a <= {"kms:Decrypt", "kms:GenerateDataKey"} for a in kms.values())


def test_the_pii_key_rotates_is_retained_and_has_the_alias(synth):
    template = synth.json("Data")
    (key,) = of_type(template, "AWS::KMS::Key").values()
    assert props(key)["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    (alias,) = of_type(template, "AWS::KMS::Alias").values()
    assert props(alias)["AliasName"] == ALIAS


def test_booth_media_expire_by_their_events_retention_tag(synth):
    template = synth.json("Storage")
    rules = []
    for bucket in of_type(template, "AWS::S3::Bucket").values():
        rules += [r for r in props(bucket).get("LifecycleConfiguration", {}).get("Rules", [])
                  if r.get("Prefix") == resources.BOOTH_MEDIA_PREFIX]
    tagged = {r["TagFilters"][0]["Value"]: r["ExpirationInDays"] for r in rules if r.get("TagFilters")}
    assert tagged == {str(d): d for d in resources.BOOTH_RETENTION_CHOICES}
    untagged = [r["ExpirationInDays"] for r in rules if not r.get("TagFilters")]
    assert untagged == [max(resources.BOOTH_RETENTION_CHOICES)]
