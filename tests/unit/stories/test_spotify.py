"""The Spotify adapter against the fake Spotify: the PKCE round trip (a wrong verifier, another
redirect URI and a reused code are refused), top tracks, audio features (and Spotify's 403 for
newer apps), covers, and the adapter without a client id."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from soundmosaic.providers.types import ProviderError
from soundmosaic.stories import spotify

from tests.fakes import FakeSpotify

REDIRECT = "http://127.0.0.1:5173/stories/listener"


def _consent(url: str) -> dict[str, str]:
    """What the listener's browser does: open the authorize URL, follow Spotify's redirect."""
    reply = httpx.get(url, follow_redirects=False)
    assert reply.status_code == 302, reply.text
    location = reply.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_pkce_is_s256_of_the_verifier():
    verifier, challenge = spotify.pkce()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_the_round_trip_top_five_features_and_covers():
    with FakeSpotify() as fake:
        client = spotify.Spotify(fake.env())
        verifier, challenge = spotify.pkce()
        url = client.authorize_url(REDIRECT, "state-123", challenge)
        assert parse_qs(urlsplit(url).query)["scope"] == ["user-top-read"]
        back = _consent(url)
        assert back["state"] == "state-123"
        with pytest.raises(ProviderError, match="HTTP 400: Invalid authorization code"):
            client.exchange(back["code"], verifier + "x", REDIRECT)  # a wrong verifier burns the code
        back = _consent(client.authorize_url(REDIRECT, "s2", challenge))
        with pytest.raises(ProviderError, match="HTTP 400"):
            client.exchange(back["code"], verifier, REDIRECT + "/elsewhere")
        back = _consent(client.authorize_url(REDIRECT, "s3", challenge))
        token = client.exchange(back["code"], verifier, REDIRECT)
        with pytest.raises(ProviderError, match="HTTP 400"):
            client.exchange(back["code"], verifier, REDIRECT)  # a code works once
        tracks = client.top_tracks(token)
        assert [t["title"] for t in tracks] == ["Harbour Lights", "Neon Tide", "Riot Bloom", "Slow Orbit",
                                                "Paper Crown"]
        assert fake.requests[-1].query == {"limit": "5", "time_range": "medium_term"}
        features = client.audio_features(token, [t["id"] for t in tracks])
        assert features["t1"] == {"valence": 0.9, "energy": 0.8}
        cover = client.cover(tracks[0]["cover_url"])
        assert cover and cover.startswith(b"\x89PNG")
        with pytest.raises(ProviderError, match="HTTP 401: The access token expired"):
            client.top_tracks("not-a-token")
        client.close()


def test_features_refused_for_newer_apps_leave_the_songs_without_them():
    with FakeSpotify(features_forbidden=True) as fake:
        client = spotify.Spotify(fake.env())
        verifier, challenge = spotify.pkce()
        code = _consent(client.authorize_url(REDIRECT, "s", challenge))["code"]
        token = client.exchange(code, verifier, REDIRECT)
        assert client.audio_features(token, ["t0"]) == {}
        client.close()


def test_without_a_client_id_it_says_to_type_the_songs_in():
    with pytest.raises(spotify.SpotifyNotConfigured, match="type the five songs in"):
        spotify.Spotify({})
