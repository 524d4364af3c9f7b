"""The release model, its splits, the DDEX ERN 4.3 message and the release package (disk and S3)."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction

import pytest
from soundmosaic.platform import aws
from soundmosaic.publishing import ddex, package
from soundmosaic.publishing.release import Release, ReleaseError, splits_from_provenance
from soundmosaic.royalties.provenance import Influence, Policy, Provenance, Work

from tests.unit.publishing.support import HEADER, png, release, wav
from tests.unit.royalties.helpers import provenance


def test_splits_from_provenance_sum_to_exactly_100_and_follow_the_weights() -> None:
    prov = provenance("trk-1")
    splits = splits_from_provenance(prov)
    assert sum(splits.values()) == Decimal(100)
    for holder, weight in prov.holder_weights().items():
        assert abs(Fraction(splits[holder]) / 100 - weight) < Fraction(1, 1_000_000)


def test_thirds_are_rounded_by_largest_remainder_to_exactly_100() -> None:
    work = Work("w", {"a": Fraction(1, 3), "b": Fraction(1, 3), "c": Fraction(1, 3)})
    prov = Provenance("trk-3", (Influence(work, Fraction(1)),), policy=Policy(Fraction(1), Fraction(0), None))
    splits = splits_from_provenance(prov)
    assert sorted(splits.values()) == [Decimal("33.3333"), Decimal("33.3333"), Decimal("33.3334")]


@pytest.mark.parametrize(("splits", "message"), [
    ({"a": "50", "b": "49.9999"}, "sum to 99.9999%, not exactly 100%"),
    ({"a": "100.0001", "b": "0"}, "share of b is 0"),
    ({"a": "33.33333", "b": "66.66667"}, "at most 4 decimals"),
    ({}, "no rights splits"),
])
def test_bad_splits_are_refused_with_the_reason(splits: dict[str, str], message: str) -> None:
    with pytest.raises(ReleaseError) as caught:
        release(splits=splits)
    assert message in str(caught.value)


def test_a_release_lists_every_problem_at_once() -> None:
    with pytest.raises(ReleaseError) as caught:
        release(isrc="US-123", release_date="2026-13-01", duration_s=0, title=" ", upc="12ab")
    problems = caught.value.problems
    assert len(problems) == 5, problems
    assert any("not an ISRC" in p for p in problems) and any("YYYY-MM-DD" in p for p in problems)


def test_float_shares_are_refused() -> None:
    with pytest.raises(TypeError):
        release(splits={"a": 50.0, "b": 50.0})


def test_release_round_trips_through_json_with_the_same_content_hash() -> None:
    original = release()
    again = Release.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again == original and again.content_hash() == original.content_hash()
    assert release(title="Other").content_hash() != original.content_hash()


def test_duration_is_iso_8601() -> None:
    assert [ddex.duration(s) for s in (5, 200, 3725)] == ["PT0M5S", "PT3M20S", "PT1H2M5S"]


def test_the_message_has_the_ern_structure_and_passes_the_check() -> None:
    rel = release()
    root = ddex.check(ddex.message(rel, HEADER))
    assert root.tag == "{http://ddex.net/xml/ern/43}NewReleaseMessage"
    sound = root.find("ResourceList/SoundRecording")
    assert sound is not None
    assert sound.findtext("ResourceId/ISRC") == "QZES62600001"
    assert sound.findtext("Duration") == "PT3M20S"
    assert sound.findtext("Type") == "MusicalWorkSoundRecording"
    assert sound.findtext("TechnicalDetails/DeliveryFile/File/URI") == "resources/QZES62600001.wav"
    assert sound.findtext("TechnicalDetails/DeliveryFile/File/HashSum/HashSumValue") == rel.audio.sha256
    image_uri = root.findtext("ResourceList/Image/TechnicalDetails/DeliveryFile/File/URI")
    assert image_uri == "resources/rel-trk-1.png"
    assert root.findtext("ReleaseList/Release/ReleaseType") == "Single"
    assert root.findtext("ReleaseList/Release/ReleaseId/ICPN") == "123456789012"
    refs = [e.text for e in root.iterfind("ReleaseList/Release/ResourceGroup/*/ReleaseResourceReference")]
    assert refs == ["A1", "A2"]
    assert root.findtext("MessageHeader/MessageCreatedDateTime") == HEADER.created
    shares = [Decimal(e.text or "") for e in sound.iter("RightSharePercentage")]
    assert len(shares) == len(rel.splits) and sum(shares) == 100
    terms = root.findall("DealList/ReleaseDeal/Deal/DealTerms")
    assert {t.findtext("CommercialModelType") for t in terms} == {"SubscriptionModel", "PayAsYouGoModel"}
    assert {t.findtext("TerritoryCode") for t in terms} == {"Worldwide"}


def test_the_message_is_deterministic_and_changes_with_its_input() -> None:
    first, second = ddex.message(release(), HEADER), ddex.message(release(), HEADER)
    assert first == second
    other = ddex.message(release(title="Mosaic No. 2"), HEADER)
    ids = [ET.fromstring(x).findtext("MessageHeader/MessageId") for x in (first, other)]
    assert ids[0] != ids[1]


def test_the_check_names_missing_elements_broken_references_and_bad_isrcs() -> None:
    root = ET.fromstring(ddex.message(release(), HEADER))
    sound = root.find("ResourceList/SoundRecording")
    assert sound is not None
    sound.remove(sound.find("Duration"))  # type: ignore[arg-type]
    isrc = sound.find("ResourceId/ISRC")
    assert isrc is not None
    isrc.text = "QZES6260001"
    ref = root.find("ReleaseList/Release/ResourceGroup/ResourceGroupContentItem/ReleaseResourceReference")
    assert ref is not None
    ref.text = "A9"
    with pytest.raises(ddex.DdexError) as caught:
        ddex.check(ET.tostring(root))
    text = str(caught.value)
    assert "missing ResourceList/SoundRecording/Duration" in text
    assert "resource reference 'A9' does not resolve" in text
    assert "ISRC 'QZES6260001'" in text
    with pytest.raises(ddex.DdexError, match="not well-formed"):
        ddex.check(b"<ern:NewReleaseMessage")


def test_the_package_has_the_layout_and_a_manifest() -> None:
    audio, artwork = wav(), png()
    built = package.build(release(audio, artwork), audio, artwork, HEADER)
    assert sorted(built.files) == ["rel-trk-1.xml", "resources/QZES62600001.wav", "resources/rel-trk-1.png"]
    assert built.files["resources/QZES62600001.wav"] == audio
    ddex.check(built.files["rel-trk-1.xml"])
    manifest = json.loads(built.manifest())
    assert manifest["release_id"] == "rel-trk-1"
    assert {f["path"]: f["size"] for f in manifest["files"]} == {p: len(d) for p, d in built.files.items()}


def test_a_package_refuses_files_that_are_not_the_release_s() -> None:
    with pytest.raises(ReleaseError, match="the release expects"):
        package.build(release(), wav(pitch=220.0), png(), HEADER)


def test_the_package_in_s3_is_complete_and_idempotent(aws_env: None) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="unit-packages")
    audio, artwork = wav(), png()
    built = package.build(release(audio, artwork), audio, artwork, HEADER)
    puts: list[str] = []
    s3.meta.events.register("before-parameter-build.s3.PutObject",
                            lambda params, **_: puts.append(params["Key"]))
    base = package.write_s3(built, "unit-packages", "releases")
    assert base == "releases/rel-trk-1/"
    assert puts[-1] == "releases/rel-trk-1/manifest.json" and len(puts) == 4  # the manifest last
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="unit-packages")["Contents"])
    assert keys == [base + p for p in ("manifest.json", "rel-trk-1.xml", "resources/QZES62600001.wav",
                                       "resources/rel-trk-1.png")]
    body = s3.get_object(Bucket="unit-packages", Key=base + "resources/QZES62600001.wav")["Body"].read()
    assert body == audio
    assert package.write_s3(built, "unit-packages", "releases") == base
    assert len(puts) == 4  # nothing written again
    manifest = json.loads(s3.get_object(Bucket="unit-packages", Key=base + "manifest.json")["Body"].read())
    assert manifest["release_id"] == "rel-trk-1"


def test_a_release_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        release().title = "x"  # type: ignore[misc]
