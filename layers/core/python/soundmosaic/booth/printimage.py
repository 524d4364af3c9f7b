"""The print file: a JPEG for the booth's on-site printer, identified without personal data.

At least ``MIN_LONG_SIDE`` px on the long side, 300 dpi in the JFIF header and in EXIF, the sRGB
ICC profile embedded, and the participant's opaque id (never a name, e-mail or phone) in EXIF
``ImageUniqueID`` and in XMP (``dc:identifier``). The proposal asked for name, e-mail and phone in
the file's metadata; a print is handed around and its file copied, so we embed an id the
organiser resolves through the encrypted record instead (docs/booth.md, "Privacy of the print file").
"""

from __future__ import annotations

import io
import re
from functools import cache

import numpy as np
from PIL import Image, ImageCms

MIN_LONG_SIDE = 3000
DPI = 300
# Opaque ids only: letters, digits, '-' and '_' (a UUID, a ULID, a token); no '@', '+', spaces.
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
EXIF_IMAGE_UNIQUE_ID = 0xA420
EXIF_SOFTWARE = 0x0131
EXIF_X_RESOLUTION, EXIF_Y_RESOLUTION, EXIF_RESOLUTION_UNIT = 0x011A, 0x011B, 0x0128
EXIF_IFD = 0x8769
XMP_ID_PREFIX = "urn:soundmosaic:participant:"


@cache
def srgb_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def make_print(rgb: np.ndarray, participant_id: str | None, *, quality: int = 92) -> bytes:
    """The JPEG bytes of the print; ``rgb`` must already be print-sized (see ``upscale``)."""
    h, w = rgb.shape[:2]
    if max(h, w) < MIN_LONG_SIDE:
        raise ValueError(f"a print needs at least {MIN_LONG_SIDE} px on the long side, got {w}x{h}")
    if participant_id is not None and not ID_PATTERN.fullmatch(participant_id):
        # Refuses anything that could be a name, an e-mail or a phone number.
        raise ValueError("the participant id must be an opaque id (8-64 letters, digits, '-' or '_')")
    exif = Image.Exif()
    exif[EXIF_SOFTWARE] = "SoundMosaic booth"
    exif[EXIF_X_RESOLUTION] = exif[EXIF_Y_RESOLUTION] = DPI
    exif[EXIF_RESOLUTION_UNIT] = 2  # inches
    if participant_id:
        exif.get_ifd(EXIF_IFD)[EXIF_IMAGE_UNIQUE_ID] = participant_id
    out = io.BytesIO()
    Image.fromarray(np.asarray(rgb, np.uint8), "RGB").save(
        out,
        format="JPEG",
        quality=quality,
        subsampling=0,
        optimize=True,
        dpi=(DPI, DPI),
        icc_profile=srgb_profile(),
        exif=exif.tobytes(),
        xmp=_xmp(participant_id),
    )
    return out.getvalue()


def read_id(jpeg: bytes) -> str | None:
    """The participant id a print carries (EXIF first, then XMP), or None."""
    with Image.open(io.BytesIO(jpeg)) as image:
        found = image.getexif().get_ifd(EXIF_IFD).get(EXIF_IMAGE_UNIQUE_ID)
        if found:
            return str(found).rstrip("\x00")
        match = re.search(re.escape(XMP_ID_PREFIX) + r"([A-Za-z0-9_-]+)", str(image.info.get("xmp", b"")))
        return match.group(1) if match else None


def _xmp(participant_id: str | None) -> bytes:
    identifier = f"<dc:identifier>{XMP_ID_PREFIX}{participant_id}</dc:identifier>" if participant_id else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">'
        f"{identifier}<xmp:CreatorTool>SoundMosaic booth</xmp:CreatorTool>"
        "<photoshop:ColorMode>3</photoshop:ColorMode><photoshop:ICCProfile>sRGB</photoshop:ICCProfile>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()
