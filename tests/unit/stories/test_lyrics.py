"""Lyrics intake: .txt/.lrc text, cleaning, bounds, language, and the hostile inputs tried:
empty and whitespace-only lyrics, German/Spanish/French/Japanese lyrics, a 10,000-line file, a
300 KiB file, bidi overrides, NUL and zero-width characters, a binary 'lyrics' file, an album of
31 songs, songs that are not objects."""

from __future__ import annotations

import pytest
from soundmosaic.stories import lyrics

ENGLISH = "I left the harbour lights behind\nMarie was waving from the pier\nYou and I are still here"


def test_lrc_timestamps_tags_and_sections_are_dropped():
    lrc = ("[ar:Nova]\n[ti:Harbour Lights]\n[length: 03:12]\n[Verse 1]\n"
           "[00:01.20]I left the harbour lights behind\n"
           "[00:04.00] <00:04.00> Marie <00:04.50> was waving from the pier\n\n[Chorus]\nYou and I")
    assert lyrics.split_lines(lrc, "song 1") == ["I left the harbour lights behind",
                                                 "Marie was waving from the pier", "You and I"]


def test_hostile_characters_are_cleaned_from_lines():
    hostile = "I left \u200bthe\x00 harbour\u202e lights behind\nand the river is cold"
    song = lyrics.song("Ti\u202etle", hostile, 0)
    assert song.title == "Title"
    assert song.lines[0] == "I left the harbour lights behind"


@pytest.mark.parametrize("text", ["", "   \n\n  ", "[00:01.00]\n[ar:x]", "1 2 3\n---"])
def test_empty_lyrics_are_refused_with_the_way_out(text):
    with pytest.raises(lyrics.LyricsError, match=r"song 1 \(One\): the lyrics are empty.*transcription"):
        lyrics.song("One", text, 0)


@pytest.mark.parametrize(("text", "name"), [
    ("Ich habe dich nicht gesehen und du bist mit mir auf der Straße, aber wir sind noch hier", "German"),
    ("Yo te quiero con el alma y no hay nada que por mi pero como del mar", "Spanish"),
    ("Je ne sais pas pour mon coeur mais dans la nuit nous sommes avec elle", "French"),
    ("君の名前を呼んでいる 夜の海で 僕は一人で歌う", "non-Latin"),
])
def test_non_english_lyrics_are_refused_by_name(text, name):
    with pytest.raises(lyrics.LyricsError, match=f"look {name}.*not English"):
        lyrics.song("Song", text, 2)


def test_a_10000_line_file_and_a_wall_of_text_are_refused_by_their_size():
    huge = "\n".join(f"line {n} of the never ending song" for n in range(10_000))
    with pytest.raises(lyrics.LyricsError, match=r"song 1 \(Long\): lyrics have 10,000 lines; the limit is"):
        lyrics.song("Long", huge, 0)
    with pytest.raises(lyrics.LyricsError, match="lyrics are 100,000 characters; the limit is 40,000"):
        lyrics.song("Wall", "la " * 33_333 + "a", 0)
    blank_padded = "\n\n".join(["the river runs"] * 401)  # under the raw bound, over the lyric one
    with pytest.raises(lyrics.LyricsError, match="401 lines; the limit is 400"):
        lyrics.song("Padded", blank_padded, 0)


def test_files_are_txt_or_lrc_bounded_and_decoded():
    assert lyrics.from_file("a.lrc", "caf\u00e9 lights".encode("utf-16")) == "café lights"
    with pytest.raises(lyrics.LyricsError, match=r"are \.txt or \.lrc"):
        lyrics.from_file("song.exe", b"MZ")
    with pytest.raises(lyrics.LyricsError, match="at most 256 KiB"):
        lyrics.from_file("song.txt", b"a" * 300_000)


def test_an_album_reports_every_bad_song_at_once():
    songs = [{"title": "Good", "lyrics": ENGLISH}, {"title": "Empty", "lyrics": ""}, "not a song",
             {"title": "Deutsch", "lyrics": "ich und du und wir sind nicht mit der Nacht"}]
    with pytest.raises(lyrics.LyricsError) as err:
        lyrics.album({"title": "A", "artist_name": "B", "songs": songs})
    message = str(err.value)
    assert "song 2 (Empty): the lyrics are empty" in message
    assert "song 3: not an object" in message
    assert "song 4 (Deutsch)" in message and "German" in message
    with pytest.raises(lyrics.LyricsError, match="31 songs; the limit is 30"):
        lyrics.album({"title": "A", "artist_name": "B", "songs": [{"title": "x", "lyrics": ENGLISH}] * 31})
    with pytest.raises(lyrics.LyricsError, match="no songs"):
        lyrics.album({"title": "A", "artist_name": "B", "songs": []})


def test_a_clean_album_keeps_order_and_text():
    album = lyrics.album({"title": " Paper  Harbour ", "artist_name": "Nova", "description": "An EP",
                          "songs": [{"title": "One", "lyrics": ENGLISH},
                                    {"title": "Two", "lyrics": ENGLISH}]})
    assert album.title == "Paper Harbour"
    assert [s.title for s in album.songs] == ["One", "Two"]
    assert album.as_dict()["songs"][0]["lyrics"] == ENGLISH
