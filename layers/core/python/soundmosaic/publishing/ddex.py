"""A DDEX ERN 4.3 NewReleaseMessage for a release, built with ElementTree, and a structural check.

``message(release, header)`` gives the XML bytes: MessageHeader, PartyList (artist, label,
rights holders), ResourceList (the SoundRecording with its ISRC, duration, rights controllers
and file, and the front cover Image), ReleaseList (a Single with its resource group) and
DealList (worldwide streaming and download from the release date). The same release and header
give the same bytes: nothing depends on the clock or on dict order.

``check(xml)`` is a structural check (required elements present, every reference resolves,
ISRC and duration formats, rights shares sum to 100). It is NOT an XSD validation: the DDEX
schema cannot be downloaded here; validate against the official ERN 4.3 XSD before a live
delivery.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

from soundmosaic.publishing.release import HUNDRED, Release

NS = "http://ddex.net/xml/ern/43"
ET.register_namespace("ern", NS)
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")
_DURATION = re.compile(r"PT(\d+H)?(\d+M)?(\d+S)")
_CODECS = {"wav": "PCM", "mp3": "MP3", "flac": "FLAC", "png": "PNG", "jpg": "JPEG"}


class DdexError(ValueError):
    """A message that fails the structural check; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Header:
    """Who sends the message to whom, and when (fixed by the caller: the message is deterministic)."""

    sender_dpid: str
    sender_name: str
    recipient_dpid: str
    recipient_name: str
    created: str  # UTC ISO 8601, e.g. the publication's request time
    test: bool = False


def duration(seconds: int) -> str:
    """ISO 8601 duration: 200 -> ``PT3M20S``, 3725 -> ``PT1H2M5S``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + f"{minutes}M{secs}S"


def audio_path(release: Release) -> str:
    return f"resources/{release.isrc}.{release.audio.format}"


def artwork_path(release: Release) -> str:
    return f"resources/{release.release_id}.{release.artwork.format}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _party(parent: ET.Element, tag: str, dpid: str, name: str) -> None:
    party = _sub(parent, tag)
    _sub(party, "PartyId", dpid)
    _sub(_sub(party, "PartyName"), "FullName", name)


def _file(parent: ET.Element, kind: str, fmt: str, uri: str, sha256: str, ref: str) -> None:
    details = _sub(parent, "TechnicalDetails")
    _sub(details, "TechnicalResourceDetailsReference", ref)
    delivery = _sub(details, "DeliveryFile")
    _sub(delivery, "Type", kind)
    _sub(delivery, "AudioCodecType" if kind == "AudioFile" else "ImageCodecType", _CODECS[fmt])
    file = _sub(delivery, "File")
    _sub(file, "URI", uri)
    hashsum = _sub(file, "HashSum")
    _sub(hashsum, "Algorithm", "SHA256")
    _sub(hashsum, "HashSumValue", sha256)


def _artist(parent: ET.Element, release: Release) -> None:
    _sub(parent, "DisplayTitleText", release.title)
    _sub(_sub(parent, "DisplayTitle"), "TitleText", release.title)
    _sub(parent, "DisplayArtistName", release.artist)
    artist = _sub(parent, "DisplayArtist", SequenceNumber="1")
    _sub(artist, "ArtistPartyReference", "PArtist")
    _sub(artist, "DisplayArtistRole", "MainArtist")


def _holder_ref(index: int) -> str:
    return f"PHolder{index + 1}"


def message(release: Release, header: Header) -> bytes:
    """The NewReleaseMessage as UTF-8 XML bytes (deterministic for the same input)."""
    root = ET.Element(f"{{{NS}}}NewReleaseMessage",
                      {"LanguageAndScriptCode": "en", "AvsVersionId": "2024"})
    head = _sub(root, "MessageHeader")
    _sub(head, "MessageThreadId", release.release_id)
    _sub(head, "MessageId", hashlib.sha256(f"{release.content_hash()}|{header}".encode()).hexdigest()[:32])
    _party(head, "MessageSender", header.sender_dpid, header.sender_name)
    _party(head, "MessageRecipient", header.recipient_dpid, header.recipient_name)
    _sub(head, "MessageCreatedDateTime", header.created)
    _sub(head, "MessageControlType", "TestMessage" if header.test else "LiveMessage")

    parties = _sub(root, "PartyList")
    names: list[tuple[str, str | None, str]] = [("PArtist", None, release.artist),
                                                ("PLabel", None, release.label or release.artist)]
    names += [(_holder_ref(i), h, release.holder_names.get(h, h)) for i, h in enumerate(release.splits)]
    for ref, holder_id, name in names:
        party = _sub(parties, "Party")
        _sub(party, "PartyReference", ref)
        if holder_id:
            _sub(party, "PartyId").append(_proprietary(header.sender_dpid, holder_id))
        _sub(_sub(party, "PartyName"), "FullName", name)

    resources = _sub(root, "ResourceList")
    sound = _sub(resources, "SoundRecording")
    _sub(sound, "ResourceReference", "A1")
    _sub(sound, "Type", "MusicalWorkSoundRecording")
    _sub(_sub(sound, "ResourceId"), "ISRC", release.isrc)
    _artist(sound, release)
    for i, share in enumerate(release.splits.values()):
        control = _sub(sound, "ResourceRightsController")
        _sub(control, "RightsControllerPartyReference", _holder_ref(i))
        _sub(control, "RightsControlType", "RoyaltyAdministrator")
        _sub(control, "RightSharePercentage", str(share))
    pline = _sub(sound, "PLine")
    _sub(pline, "Year", release.release_date[:4])
    _sub(pline, "PLineText", release.p_line)
    _sub(sound, "Duration", duration(release.duration_s))
    _sub(sound, "ParentalWarningType", "NotExplicit")
    _file(sound, "AudioFile", release.audio.format, audio_path(release), release.audio.sha256, "T1")

    image = _sub(resources, "Image")
    _sub(image, "ResourceReference", "A2")
    _sub(image, "Type", "FrontCoverImage")
    _sub(image, "ResourceId").append(_proprietary(header.sender_dpid, f"{release.release_id}-cover"))
    _sub(image, "ParentalWarningType", "NotExplicit")
    _file(image, "Image", release.artwork.format, artwork_path(release), release.artwork.sha256, "T2")

    _release_list(root, release, header)
    _deal_list(root, release)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _proprietary(dpid: str, value: str) -> ET.Element:
    element = ET.Element("ProprietaryId", {"Namespace": f"DPID:{dpid}"})
    element.text = value
    return element


def _release_list(root: ET.Element, release: Release, header: Header) -> None:
    item = _sub(_sub(root, "ReleaseList"), "Release")
    _sub(item, "ReleaseReference", "R0")
    _sub(item, "ReleaseType", "Single")
    release_id = _sub(item, "ReleaseId")
    if release.upc:
        _sub(release_id, "ICPN", release.upc)
    release_id.append(_proprietary(header.sender_dpid, release.release_id))
    _artist(item, release)
    _sub(item, "ReleaseLabelReference", "PLabel")
    pline = _sub(item, "PLine")
    _sub(pline, "Year", release.release_date[:4])
    _sub(pline, "PLineText", release.p_line)
    cline = _sub(item, "CLine")
    _sub(cline, "Year", release.release_date[:4])
    _sub(cline, "CLineText", release.c_line)
    _sub(item, "Duration", duration(release.duration_s))
    _sub(_sub(item, "Genre"), "GenreText", release.genre)
    _sub(item, "OriginalReleaseDate", release.release_date)
    _sub(item, "ParentalWarningType", "NotExplicit")
    group = _sub(item, "ResourceGroup")
    for number, ref in enumerate(("A1", "A2"), start=1):
        content = _sub(group, "ResourceGroupContentItem")
        _sub(content, "SequenceNumber", str(number))
        _sub(content, "ReleaseResourceReference", ref)


def _deal_list(root: ET.Element, release: Release) -> None:
    deal_release = _sub(_sub(root, "DealList"), "ReleaseDeal")
    _sub(deal_release, "DealReleaseReference", "R0")
    for model, uses in (("SubscriptionModel", ("OnDemandStream", "NonInteractiveStream")),
                        ("PayAsYouGoModel", ("PermanentDownload",))):
        terms = _sub(_sub(deal_release, "Deal"), "DealTerms")
        _sub(terms, "TerritoryCode", "Worldwide")
        _sub(_sub(terms, "ValidityPeriod"), "StartDate", release.release_date)
        _sub(terms, "CommercialModelType", model)
        for use in uses:
            _sub(terms, "UseType", use)


def check(xml: bytes) -> ET.Element:
    """Parse and check the message's structure; ``DdexError`` lists every problem found."""
    try:
        root = ET.fromstring(xml)  # noqa: S314 - our own message, not untrusted input
    except ET.ParseError as err:
        raise DdexError([f"not well-formed XML: {err}"]) from err
    problems: list[str] = []
    if root.tag != f"{{{NS}}}NewReleaseMessage":
        problems.append(f"root is {root.tag}, expected {{{NS}}}NewReleaseMessage")
    required = ["MessageHeader/MessageThreadId", "MessageHeader/MessageId",
                "MessageHeader/MessageSender/PartyId",
                "MessageHeader/MessageRecipient/PartyId", "MessageHeader/MessageCreatedDateTime",
                "PartyList/Party", "ResourceList/SoundRecording/ResourceId/ISRC",
                "ResourceList/SoundRecording/Duration", "ResourceList/SoundRecording/DisplayTitleText",
                "ResourceList/SoundRecording/DisplayArtist",
                "ResourceList/SoundRecording/TechnicalDetails/DeliveryFile/File/URI",
                "ResourceList/SoundRecording/TechnicalDetails/DeliveryFile/File/HashSum/HashSumValue",
                "ResourceList/Image/TechnicalDetails/DeliveryFile/File/URI",
                "ReleaseList/Release/ReleaseType",
                "ReleaseList/Release/DisplayTitleText", "ReleaseList/Release/ResourceGroup",
                "DealList/ReleaseDeal/Deal/DealTerms/TerritoryCode"]
    problems += [f"missing {path}" for path in required if root.find(path) is None]
    problems += _reference_problems(root)
    for isrc_text in (e.text or "" for e in root.iter("ISRC")):
        if not _ISRC.fullmatch(isrc_text):
            problems.append(f"ISRC {isrc_text!r} is not 12 characters CCXXXYYNNNNN")
    for element in root.iter("Duration"):
        if not _DURATION.fullmatch(element.text or ""):
            problems.append(f"duration {element.text!r} is not ISO 8601 (PT..M..S)")
    shares = [Decimal(e.text or "0") for e in root.iter("RightSharePercentage")]
    if sum(shares, Decimal(0)) != HUNDRED:
        problems.append(f"rights shares sum to {sum(shares, Decimal(0))}%, not 100%")
    if problems:
        raise DdexError(problems)
    return root


def _reference_problems(root: ET.Element) -> list[str]:
    parties = {e.text for e in root.iterfind("PartyList/Party/PartyReference")}
    resources = {e.text for e in root.iterfind("ResourceList/*/ResourceReference")}
    releases = {e.text for e in root.iterfind("ReleaseList/Release/ReleaseReference")}
    uses = [(parties, "party", root.iter(tag)) for tag in
            ("ArtistPartyReference", "RightsControllerPartyReference", "ReleaseLabelReference")]
    uses += [(resources, "resource", root.iter("ReleaseResourceReference")),
             (releases, "release", root.iter("DealReleaseReference"))]
    return [f"{kind} reference {e.text!r} does not resolve" for known, kind, found in uses
            for e in found if e.text not in known]
