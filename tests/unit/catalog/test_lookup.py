"""One CatalogLookup interface: the local catalog (moto + fpcalc) and the vendor adapters against
fake AcoustID, MusicBrainz and Apple Music servers (errors, retries, politeness, the JWT)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from soundmosaic.catalog.fingerprint import Fingerprint, fingerprint_file
from soundmosaic.catalog.lookup import CatalogLookup, LookupFailed, LookupTimeout, LookupUnsupported
from soundmosaic.catalog.lookup.apple_music import AppleMusicLookup, developer_token
from soundmosaic.catalog.lookup.local import LocalLookup
from soundmosaic.catalog.lookup.musicbrainz import MusicBrainzLookup
from soundmosaic.catalog.store import CatalogStore
from soundmosaic.royalties import tables
from soundmosaic_local.fixtures import demo_catalog

from tests.fakes.acoustid_server import AcoustIdEntry, FakeAcoustId
from tests.fakes.apple_music_server import AppleSong, FakeAppleMusic
from tests.fakes.musicbrainz_server import FakeMusicBrainz, MbRecording

MBID = "0f9a1e5b-8c4c-4a4e-9d2b-2b0d7c1f3a11"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[demo_catalog.DemoSong]:
    return demo_catalog.songs(tmp_path_factory.getbasetemp() / "demo-catalog")


@pytest.fixture
def local(aws_env: None, monkeypatch: pytest.MonkeyPatch, demo: list[demo_catalog.DemoSong]) -> LocalLookup:
    tables.create("unit-catalog-lookup")
    store = CatalogStore("unit-catalog-lookup")
    for song in demo:
        store.put(song.recording)
    return LocalLookup(store)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def musicbrainz() -> Iterator[FakeMusicBrainz]:
    recordings = [MbRecording(MBID, "Velvet Harbor", ("Mara Quill",), ("ZZSMD2600011",), 20_000),
                  MbRecording("11111111-2222-3333-4444-555555555555", "Harbor Lights", ("Lowland Static",))]
    with FakeMusicBrainz(recordings, strict_rate=False) as fake:
        yield fake


def mb(fake: FakeMusicBrainz, acoustid: FakeAcoustId | None = None, **options: object) -> MusicBrainzLookup:
    env = {**fake.env(), **(acoustid.env() if acoustid else {})}
    return MusicBrainzLookup.from_env(env, **{"sleep": Sleeps(), "attempts": 3, **options})  # type: ignore[arg-type]


def degraded(song: Path, target: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "2.5", "-i", str(song), "-filter_complex",
                    "anoisesrc=color=pink:amplitude=0.04:seed=3[n];[0:a][n]amix=inputs=2:duration=first:normalize=0",
                    "-b:a", "128k", str(target)], check=True)
    return target


# -- the local catalog ---------------------------------------------------------------------------

def test_local_lookup_identifies_a_degraded_upload_with_its_rights_holders(
        local: LocalLookup, demo: list[demo_catalog.DemoSong], tmp_path: Path) -> None:
    song = demo[9]
    lookup: CatalogLookup = local
    best = lookup.by_fingerprint(fingerprint_file(degraded(song.audio, tmp_path / "upload.mp3")))[0]
    assert (best.source, best.ref, best.title, best.isrc) == ("local", song.recording.recording_id,
                                                              song.recording.title, song.recording.isrc)
    assert best.verdict == "matched" and best.confidence is not None and best.confidence >= 0.8
    assert best.recording is not None and sum(best.recording.shares().values()) == 1


def test_local_lookup_leaves_a_stranger_unmatched_and_search_finds_it_by_hand(
        local: LocalLookup, demo: list[demo_catalog.DemoSong], tmp_path: Path) -> None:
    stranger = demo_catalog.songs(tmp_path, count=1, seed=404)[0]
    assert all(c.verdict == "unmatched" for c in local.by_fingerprint(stranger.recording.fingerprint))  # type: ignore[arg-type]
    wanted = demo[4].recording
    assert local.search(wanted.title.split()[1][:3])[0].ref in {s.recording.recording_id for s in demo}
    assert [c.ref for c in local.by_isrc(wanted.isrc.lower())] == [wanted.recording_id]  # type: ignore[union-attr]
    assert local.by_isrc("not-an-isrc") == [] and local.search("") == []


# -- MusicBrainz and AcoustID -------------------------------------------------------------------

def test_musicbrainz_search_and_isrc_speak_its_json_api(musicbrainz: FakeMusicBrainz) -> None:
    lookup = mb(musicbrainz)
    found = lookup.search("harbor mara")
    assert [(c.source, c.ref, c.title, c.artists, c.isrc, c.duration_ms) for c in found] == \
        [("musicbrainz", MBID, "Velvet Harbor", ("Mara Quill",), "ZZSMD2600011", 20_000)]
    assert len(lookup.search("harbor")) == 2
    (sent, _) = musicbrainz.requests
    assert sent.path == "/ws/2/recording" and sent.query["query"] == "harbor AND mara"
    assert sent.query["fmt"] == "json" and sent.headers["user-agent"].startswith("SoundMosaic/")
    assert [c.ref for c in lookup.by_isrc("zz-smd-26-00011")] == [MBID]
    assert musicbrainz.requests[-1].path == "/ws/2/isrc/ZZSMD2600011"
    assert lookup.by_isrc("ZZSMD2600012") == []  # MusicBrainz answers 404 for an unknown ISRC


def test_musicbrainz_keeps_one_request_per_second(musicbrainz: FakeMusicBrainz) -> None:
    musicbrainz.strict_rate = True  # the fake answers 503 to anything faster
    lookup = MusicBrainzLookup.from_env(musicbrainz.env(), attempts=1)
    for text in ("harbor", "velvet", "lights"):
        assert lookup.search(text)
    gaps = [b - a for a, b in zip(musicbrainz.times, musicbrainz.times[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.95


def test_vendor_errors_retry_then_fail_clearly(musicbrainz: FakeMusicBrainz) -> None:
    sleeps = Sleeps()
    lookup = mb(musicbrainz, sleep=sleeps)
    musicbrainz.fail_next(1, 500)
    musicbrainz.fail_next(1, 429, retry_after=7)
    assert lookup.search("velvet")[0].ref == MBID  # third attempt answers
    assert sleeps[0] == 1.0 and 7.0 in sleeps  # backoff, then the server's Retry-After
    musicbrainz.fail_next(3, 503)
    with pytest.raises(LookupFailed, match="HTTP 503") as failed:
        lookup.search("velvet")
    assert failed.value.retryable and failed.value.status == 503
    musicbrainz.fail_next(1, 400)
    with pytest.raises(LookupFailed, match="HTTP 400"):
        lookup.search("velvet")  # not worth another attempt
    assert len(musicbrainz.requests) == 3 + 3 + 1


def test_a_hanging_server_is_a_timeout(musicbrainz: FakeMusicBrainz) -> None:
    musicbrainz.hang_next(2, 3.0)
    lookup = mb(musicbrainz, timeout=0.3, attempts=2)
    started = time.monotonic()
    with pytest.raises(LookupTimeout, match=r"no answer within 0\.3 s"):
        lookup.search("velvet")
    assert time.monotonic() - started < 2.5 and len(musicbrainz.requests) == 2


def test_acoustid_finds_a_fingerprint_it_knows(musicbrainz: FakeMusicBrainz,
                                               demo: list[demo_catalog.DemoSong]) -> None:
    song = demo[0]
    fp = fingerprint_file(song.audio, compressed=True)
    assert fp.compressed and fp.compressed.startswith("AQAA")
    with FakeAcoustId() as acoustid:
        acoustid.add(AcoustIdEntry(fp.compressed, fp.duration, MBID, "Velvet Harbor", ("Mara Quill",), 0.93))
        lookup = mb(musicbrainz, acoustid)
        (found,) = lookup.by_fingerprint(fp)
        assert (found.source, found.ref, found.confidence, found.verdict) == \
            ("acoustid", MBID, 0.93, "matched")
        sent = acoustid.requests[-1]
        assert sent.query["client"] == acoustid.api_key and sent.query["duration"] == "20"
        other = fingerprint_file(demo[1].audio, compressed=True)
        assert lookup.by_fingerprint(other) == []
        with pytest.raises(LookupFailed, match="compressed fingerprint"):
            lookup.by_fingerprint(Fingerprint(fp.values, fp.duration))
        bad = MusicBrainzLookup("wrong-key", acoustid_url=acoustid.url, musicbrainz_url=musicbrainz.url)
        with pytest.raises(LookupFailed, match="invalid API key"):
            bad.by_fingerprint(fp)
        acoustid.fail_next(1, 500)
        assert lookup.by_fingerprint(fp)[0].ref == MBID


# -- Apple Music ---------------------------------------------------------------------------------

@pytest.fixture
def apple() -> Iterator[FakeAppleMusic]:
    songs = [AppleSong("1440857781", "Velvet Harbor", "Mara Quill", "ZZSMD2600011", 20_000),
             AppleSong("1440857782", "Glass Canyon", "Copper Satellites", "ZZSMD2600005")]
    with FakeAppleMusic(songs) as fake:
        yield fake


def test_apple_music_search_and_isrc_with_a_developer_token(apple: FakeAppleMusic) -> None:
    lookup = AppleMusicLookup.from_env(apple.env(), sleep=Sleeps())
    (found,) = lookup.search("velvet harbor")
    assert (found.source, found.ref, found.title, found.artists, found.isrc, found.duration_ms) == \
        ("apple-music", "1440857781", "Velvet Harbor", ("Mara Quill",), "ZZSMD2600011", 20_000)
    assert found.url == "https://music.apple.com/us/song/1440857781"
    assert [c.ref for c in lookup.by_isrc("zz-smd-26-00005")] == ["1440857782"]
    assert lookup.by_isrc("ZZSMD2600099") == [] and lookup.search("nothing like it") == []
    search, by_isrc, *_ = apple.requests
    assert search.path == "/v1/catalog/us/search" and search.query["types"] == "songs"
    assert by_isrc.query == {"filter[isrc]": "ZZSMD2600005"}
    token = search.headers["authorization"].removeprefix("Bearer ")
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, apple.public_key, algorithms=["ES256"])
    assert header["alg"] == "ES256" and header["kid"] == apple.key_id and claims["iss"] == apple.team_id
    assert 0 < claims["exp"] - claims["iat"] <= 15_777_000
    assert by_isrc.headers["authorization"] == search.headers["authorization"]  # made once, reused


def test_apple_music_refuses_a_token_signed_by_another_key(apple: FakeAppleMusic) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    lookup = AppleMusicLookup.from_env({**apple.env(), "APPLE_MUSIC_PRIVATE_KEY": other})
    with pytest.raises(LookupFailed, match=r"HTTP 401.*Signature verification failed") as failed:
        lookup.search("velvet")
    assert not failed.value.retryable and len(apple.requests) == 1
    wrong_kid = AppleMusicLookup.from_env({**apple.env(), "APPLE_MUSIC_KEY_ID": "OTHERKEY01"})
    with pytest.raises(LookupFailed, match="unknown key id"):
        wrong_kid.search("velvet")
    with pytest.raises(LookupFailed, match=r"needs the \.p8 key"):
        AppleMusicLookup.from_env({"APPLE_MUSIC_KEY_ID": "K", "APPLE_MUSIC_TEAM_ID": "T"})
    with pytest.raises(ValueError, match="lifetime"):
        developer_token(apple.private_key_pem, "K", "T", seconds=16_000_000)


def test_apple_music_errors_and_an_expired_token_is_renewed(apple: FakeAppleMusic) -> None:
    now = [1_000_000.0]
    sleeps = Sleeps()
    lookup = AppleMusicLookup.from_env(apple.env(), sleep=sleeps, clock=lambda: now[0], timeout=0.3,
                                       attempts=2)
    with pytest.raises(LookupFailed, match="HTTP 401"):  # a token from 1970 has long expired
        lookup.search("velvet")
    now[0] = time.time()
    apple.fail_next(1, 500)
    apple.fail_next(1, 429, retry_after=2)
    with pytest.raises(LookupFailed, match="HTTP 429"):
        lookup.search("velvet")
    assert sleeps == [1.0]
    apple.fail_next(1, 429, retry_after=2)
    assert lookup.search("velvet")[0].ref == "1440857781" and sleeps[-1] == 2.0
    apple.hang_next(2, 3.0)
    with pytest.raises(LookupTimeout):
        lookup.search("velvet")
    with pytest.raises(LookupUnsupported):
        lookup.by_fingerprint(Fingerprint(np.array([1, 2, 3], np.uint32), 1.0))
