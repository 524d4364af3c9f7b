"""The offline face swap: a participant's face onto a musician's in a photo or a 15-s clip.

How (docs/booth.md, "Engines"):

1. ``participant`` reads the photo with caps (bytes, pixels; EXIF rotation applied), finds
   exactly one large enough face and its 468-point mesh (``vision``), or raises ``NoFace``,
   ``TwoFaces``, ``FaceTooSmall`` or ``BadMedia``.
2. For each template frame the musician's mesh is found, then smoothed over time with a One-Euro
   filter (still when the head is still, no lag when it moves), so the face does not jitter.
3. The target mesh is the musician's pose with the participant's face shape: the participant's
   mesh aligned to the musician's by a similarity transform, mixed in with ``SHAPE_WEIGHT``
   (the rest, expression and pose detail, stays the musician's).
4. A piecewise-affine warp on the Delaunay triangles of the mesh moves the participant's pixels
   onto the target; LAB colour transfer gives them the template's lighting; Poisson seamless
   cloning (``cv2.seamlessClone``) hides the seam.
5. The clip is encoded as H.264 with the template's audio (AAC), at 1080p through the offline
   upscaler, and the best frame becomes the print image (``printimage``).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy.spatial import Delaunay

from soundmosaic.booth import clips, printimage, upscale
from soundmosaic.booth.errors import BadMedia, FaceTooSmall, NoFace, TwoFaces
from soundmosaic.booth.vision import Face, Vision

ENGINE = "offline-mediapipe-mesh-warp-poisson-v1"
MAX_PHOTO_BYTES = 25 * 1024**2
MAX_PHOTO_PIXELS = 50_000_000  # a 50-MP phone photo; checked from the header
MIN_FACE_PX = 80  # the participant's face box, long side
SECOND_FACE_RATIO = 0.5  # another face at least half as big is a second person
SHAPE_WEIGHT = 0.6  # how much of the participant's face shape the result keeps
PRINT_LONG_SIDE = 3600  # 12 in at 300 dpi
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Participant:
    """The participant's face, ready to warp: a crop of the photo and its mesh in crop pixels."""

    rgb: np.ndarray
    points: np.ndarray
    triangles: np.ndarray
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class SwapResult:
    video_path: Path
    image_path: Path
    engine: str
    frames: int
    swapped_frames: int
    face_boxes: list[tuple[int, int, int, int] | None] = field(repr=False)
    width: int = 0
    height: int = 0
    seconds: float = 0.0


# --- the photo ----------------------------------------------------------------------------------


def read_photo(data: bytes) -> np.ndarray:
    """RGB uint8 of an untrusted photo; size and pixel caps are checked before decoding."""
    if not data:
        raise BadMedia("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise BadMedia(
            f"the photo is {len(data) / 1024**2:.0f} MiB; at most {MAX_PHOTO_BYTES // 1024**2} MiB"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise BadMedia(f"the photo is {width}x{height}; at most {MAX_PHOTO_PIXELS // 10**6} MP")
            if image.format not in ("JPEG", "PNG", "WEBP", "MPO"):
                raise BadMedia(f"the photo is a {image.format or 'unknown'} file; send a JPEG, PNG or WebP")
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except BadMedia:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadMedia(
            f"the photo claims more pixels than any camera makes; at most "
            f"{MAX_PHOTO_PIXELS // 10**6} MP (decompression bomb guard)"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadMedia("the photo is not a readable image (corrupt, truncated or not an image)") from exc
    return rgb


def participant(photo: bytes | np.ndarray, vision: Vision | None = None) -> Participant:
    """The one face of the photo, or a clear error."""
    rgb = read_photo(photo) if isinstance(photo, bytes | bytearray) else np.asarray(photo, np.uint8)
    vision = vision or Vision.shared()
    faces = vision.detect(rgb)
    if not faces:
        raise NoFace("no face was found in the photo: face the camera, with the face uncovered")
    faces.sort(key=lambda f: -f.size)
    main = faces[0]
    if len(faces) > 1 and faces[1].size >= SECOND_FACE_RATIO * main.size:
        raise TwoFaces(f"{len(faces)} faces are in the photo: one person at a time")
    if main.size < MIN_FACE_PX:
        raise FaceTooSmall(f"the face is {main.size:.0f} px across; come closer (at least {MIN_FACE_PX} px)")
    points, presence = vision.landmarks(rgb, main)
    if presence < 0.5:
        raise NoFace("the face could not be read clearly: face the camera, with the face uncovered")
    # Crop around the mesh (with a margin for the warp's interpolation) to keep remaps cheap.
    x0, y0 = np.floor(points.min(0)).astype(int) - 8
    x1, y1 = np.ceil(points.max(0)).astype(int) + 8
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(rgb.shape[1], x1), min(rgb.shape[0], y1)
    local = points - (x0, y0)
    return Participant(
        np.ascontiguousarray(rgb[y0:y1, x0:x1]), local, Delaunay(local).simplices.astype(np.int32), main.box
    )


# --- one frame ------------------------------------------------------------------------------------


def target_mesh(face: Participant, musician: np.ndarray) -> np.ndarray:
    """The musician's pose with the participant's face shape (see the module docstring, step 3)."""
    matrix, _ = cv2.estimateAffinePartial2D(
        face.points.astype(np.float32), musician.astype(np.float32), method=cv2.LMEDS
    )
    if matrix is None:
        return musician
    aligned = face.points @ matrix[:, :2].T + matrix[:, 2]
    return np.asarray(musician + SHAPE_WEIGHT * (aligned - musician))


def blend_face(
    face: Participant, frame: np.ndarray, musician: np.ndarray, *, poisson: bool = True
) -> np.ndarray:
    """``frame`` with the participant's face warped onto the musician's mesh ``musician``."""
    target = target_mesh(face, musician)
    h, w = frame.shape[:2]
    x0, y0 = np.maximum(np.floor(target.min(0)).astype(int) - 2, 2)
    x1, y1 = np.minimum(np.ceil(target.max(0)).astype(int) + 3, (w - 2, h - 2))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return frame
    local = target - (x0, y0)
    # Which triangle covers each pixel of the box (-1: none), then each triangle's affine map.
    owner = np.full((y1 - y0, x1 - x0), -1, np.int32)
    for i, tri in enumerate(face.triangles):
        cv2.fillConvexPoly(owner, np.round(local[tri]).astype(np.int32), i)
    dst = np.concatenate([local[face.triangles], np.ones((len(face.triangles), 3, 1))], axis=2)  # (T,3,3)
    src = face.points[face.triangles]  # (T,3,2)
    with np.errstate(all="ignore"):
        inverse = np.linalg.pinv(dst)  # (T,3,3)
    maps = np.transpose(inverse @ src, (0, 2, 1))  # (T,2,3): dst (x, y, 1) -> src (x, y)
    ys, xs = np.mgrid[0 : owner.shape[0], 0 : owner.shape[1]].astype(np.float32)
    m = maps[np.maximum(owner, 0)].astype(np.float32)
    map_x = m[..., 0, 0] * xs + m[..., 0, 1] * ys + m[..., 0, 2]
    map_y = m[..., 1, 0] * xs + m[..., 1, 1] * ys + m[..., 1, 2]
    warped = cv2.remap(face.rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    size = max(x1 - x0, y1 - y0)
    mask = cv2.erode(
        (owner >= 0).astype(np.uint8) * 255,
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, size // 25),) * 2),
    )
    if mask.max() == 0:
        return frame
    region = frame[y0:y1, x0:x1]
    warped = _transfer_colour(warped, region, mask > 0)
    out = frame.copy()
    if poisson:
        bx, by, bw, bh = cv2.boundingRect(mask)
        centre = (x0 + bx + bw // 2, y0 + by + bh // 2)
        try:
            return np.asarray(cv2.seamlessClone(warped, out, mask, centre, cv2.NORMAL_CLONE))
        except cv2.error:
            pass  # a mask touching the frame's border: fall back to feathering
    alpha = cv2.GaussianBlur(mask, (0, 0), max(1.0, size / 40))[..., None].astype(np.float32) / 255
    out[y0:y1, x0:x1] = (warped * alpha + region * (1 - alpha)).astype(np.uint8)
    return out


def _transfer_colour(source: np.ndarray, target: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Reinhard colour transfer in LAB: the source's mean and spread within ``where`` set to the
    target's, so the pasted face takes the template's lighting."""
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    s, d = src[where], dst[where]
    scale = d.std(0) / np.maximum(s.std(0), 1.0)
    moved = (src - s.mean(0)) * np.clip(scale, 0.5, 2.0) + d.mean(0)
    return np.asarray(cv2.cvtColor(moved.clip(0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB))


def musician_mesh(
    frame: np.ndarray, vision: Vision, near: np.ndarray | None = None
) -> tuple[Face, np.ndarray] | None:
    """The musician's face (the one nearest ``near``, the previous centre, else the largest) and
    mesh, or None when the frame shows no readable face."""
    faces = vision.detect(frame)
    if not faces:
        return None
    if near is None:
        face = max(faces, key=lambda f: f.size)
    else:
        face = min(faces, key=lambda f: float(np.hypot(*(_centre(f) - near))))
    points, presence = vision.landmarks(frame, face)
    return (face, points) if presence >= 0.5 else None


def swap_image(
    photo: bytes | np.ndarray | Participant, template_frame: np.ndarray, vision: Vision | None = None
) -> np.ndarray:
    """One frame: the participant's face on the template frame's face (``NoFace`` if it has none)."""
    vision = vision or Vision.shared()
    face = photo if isinstance(photo, Participant) else participant(photo, vision)
    found = musician_mesh(template_frame, vision)
    if found is None:
        raise NoFace("the template frame shows no face to replace")
    return blend_face(face, np.asarray(template_frame, np.uint8), found[1])


# --- the clip -------------------------------------------------------------------------------------


class OneEuro:
    """The One-Euro filter (Casiez et al., CHI 2012) on an array of pixel coordinates: a low-pass
    whose cut-off rises with speed. The speed is measured in face sizes per second (divided by
    ``scale``), so the parameters hold at any resolution; the coordinates themselves are filtered
    as they are (dividing them by a size that itself varies from frame to frame would add jitter)."""

    def __init__(self, fps: float, min_cutoff: float = 1.0, beta: float = 1.5, d_cutoff: float = 1.0) -> None:
        self.dt, self.min_cutoff, self.beta, self.d_cutoff = 1 / fps, min_cutoff, beta, d_cutoff
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def _alpha(self, cutoff: np.ndarray | float) -> np.ndarray:
        tau = 1 / (2 * np.pi * np.asarray(cutoff))
        return np.asarray(1 / (1 + tau / self.dt))

    def reset(self) -> None:
        self._x = self._dx = None

    def __call__(self, x: np.ndarray, scale: float) -> np.ndarray:
        if self._x is None or self._dx is None:
            self._x, self._dx = np.asarray(x, np.float64), np.zeros_like(x, np.float64)
            return x
        dx = (x - self._x) / self.dt
        self._dx = self._dx + self._alpha(self.d_cutoff) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx) / scale
        self._x = self._x + self._alpha(cutoff) * (x - self._x)
        return self._x


def swap_video(
    photo_path: str | Path,
    template_path: str | Path,
    out_dir: str | Path,
    *,
    participant_id: str | None = None,
    height: int | None = 1080,
    print_long_side: int = PRINT_LONG_SIDE,
    progress: Progress | None = None,
    vision: Vision | None = None,
) -> SwapResult:
    """The participant's 15-s video (``swap.mp4``) and print image (``print.jpg``) in ``out_dir``.

    Frames where the template shows no readable face pass through unchanged (their entry in
    ``face_boxes`` is None). ``height``: the output's lines (None keeps the template's)."""
    vision = vision or Vision.shared()
    try:
        photo = Path(photo_path).read_bytes()
    except OSError as exc:
        raise BadMedia(f"the photo cannot be read: {exc.strerror}") from exc
    face = participant(photo, vision)
    info = clips.probe(template_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    vf = upscale.video_filter(height) if height and height != info.height else None
    smoother = OneEuro(info.fps)
    boxes: list[tuple[int, int, int, int] | None] = []
    best: tuple[float, np.ndarray] | None = None
    near = None
    with clips.Encoder(
        out / "swap.mp4", info.width, info.height, info.fps, audio_from=template_path, vf=vf
    ) as encoder:
        for index, frame in enumerate(clips.frames(template_path, info)):
            found = musician_mesh(frame, vision, near)
            if found is None:
                smoother.reset()
                near = None
                boxes.append(None)
                encoder.write(frame)
            else:
                musician, points = found
                near = _centre(musician)
                smooth = smoother(points, musician.size)
                swapped = blend_face(face, frame, smooth)
                encoder.write(swapped)
                x0, y0, x1, y1 = (round(v) for v in musician.box)
                boxes.append((x0, y0, x1, y1))
                if best is None or musician.size * musician.score > best[0]:
                    best = (musician.size * musician.score, swapped)
            if progress:
                progress(index + 1, info.frames)
    if best is None:
        (out / "swap.mp4").unlink()  # a clip without a swapped face is no result
        raise NoFace("the template shows no face to replace in any frame")
    big = upscale.upscale_image(best[1], max(print_long_side, max(best[1].shape[:2])))
    image_path = out / "print.jpg"
    partial = out / ".print.partial.jpg"  # complete or absent, like the video
    partial.write_bytes(printimage.make_print(big, participant_id))
    partial.replace(image_path)
    swapped_frames = sum(b is not None for b in boxes)
    width = round(info.width * height / info.height / 2) * 2 if vf and height else info.width
    return SwapResult(
        out / "swap.mp4",
        image_path,
        ENGINE,
        len(boxes),
        swapped_frames,
        boxes,
        width,
        height if vf and height else info.height,
        len(boxes) / info.fps,
    )


def _centre(face: Face) -> np.ndarray:
    x0, y0, x1, y1 = face.box
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def swap_with_provider(photo: bytes, template_path: str | Path) -> tuple[bytes, str]:
    """(MP4 bytes, engine) through ModelMosaic's ``faceswap`` capability: Replicate's roop when
    ``REPLICATE_API_TOKEN`` is set, else this module's offline engine (see registry.toml)."""
    from soundmosaic.providers.mosaic import ModelMosaic
    from soundmosaic.providers.types import FaceSwapRequest

    clips.probe(template_path)  # the same caps before anything is sent
    mosaic = ModelMosaic.from_env()
    try:
        result = mosaic.faceswap(FaceSwapRequest(photo, Path(template_path).read_bytes()))
    finally:
        mosaic.close()
    return result.data, f"{result.provider}:{result.model}"
