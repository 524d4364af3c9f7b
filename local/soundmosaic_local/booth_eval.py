"""Evaluation material for the booth engines, made from real photographs that ship in packages.

Photographs (not drawings): scikit-image's ``astronaut`` (Eileen Collins, NASA) plays the
musician, Matplotlib's ``grace_hopper.jpg`` (US Navy) the participant. Clips are those faces
animated with known motion (translate, scale, rotate) over a known background, so the true face
box and the true person mask of every frame are known:

- ``template_clip``: the astronaut photo moving over scikit-image's ``brick``; the true face box
  per frame is the still's face-mesh bounds moved by that frame's transform. A 440 Hz tone is
  the "song", so tests can check the template's audio is kept.
- ``person_clip``: Grace Hopper cut out of her photo (GrabCut from a rectangle, then the largest
  blob with its holes filled: an independent classic method, not the model under test) moving
  over ``grass``; the true person mask per frame is the cut-out moved by that frame's transform.

Identity measures (``identity_scores``): the swap keeps the musician's pose and lighting, so the
participant's identity has to show in the structure of the face, and we measure it there: the
HOG descriptor of the face aligned to a canonical frame (eyes, nose, mouth, glasses, wrinkles:
cosine similarity) and the face's proportions from the mesh (ratios of distances, which the
similarity alignment cannot change).
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from scipy import ndimage


def astronaut() -> np.ndarray:
    import skimage.data

    return np.asarray(skimage.data.astronaut())


def grace_hopper_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


def grace_hopper() -> np.ndarray:
    return np.asarray(Image.open(grace_hopper_path()).convert("RGB"))


def backdrop(name: str, size: tuple[int, int]) -> np.ndarray:
    import skimage.data

    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, -1)
    return np.asarray(cv2.resize(image[..., :3], size, interpolation=cv2.INTER_AREA))


def motion(
    index: int, frames: int, size: tuple[int, int], base_scale: float, anchor: tuple[float, float]
) -> np.ndarray:
    """Frame ``index``'s 2x3 transform: the photo's ``anchor`` point travels across the frame
    while the photo grows and shrinks by 15% and rotates by up to 12 degrees."""
    w, h = size
    phase = index / max(frames - 1, 1)
    scale = base_scale * (1 + 0.15 * math.sin(2 * math.pi * phase))
    angle = 12 * math.sin(2 * math.pi * phase * 1.5)
    centre = (w * (0.35 + 0.3 * phase), h * (0.45 + 0.08 * math.sin(2 * math.pi * phase)))
    matrix = cv2.getRotationMatrix2D(anchor, angle, scale)
    matrix[:, 2] += np.array(centre) - np.array(anchor)
    return matrix


def moved_box(
    box: tuple[float, float, float, float], matrix: np.ndarray
) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) @ matrix[:, :2].T + matrix[:, 2]
    return (
        float(corners[:, 0].min()),
        float(corners[:, 1].min()),
        float(corners[:, 0].max()),
        float(corners[:, 1].max()),
    )


def write_clip(frames: list[np.ndarray], out: Path, fps: int, tone_hz: float | None = 440.0) -> Path:
    h, w = frames[0].shape[:2]
    seconds = len(frames) / fps
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-nostdin",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{w}x{h}",
        "-r",
        str(fps),
        "-i",
        "pipe:0",
    ]
    if tone_hz:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency={tone_hz:g}:duration={seconds:g}", "-c:a", "aac"]
    cmd += [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        "-t",
        f"{seconds:g}",
        str(out),
    ]
    subprocess.run(cmd, input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames), check=True)
    return out


@dataclass(frozen=True)
class TemplateClip:
    path: Path
    boxes: list[tuple[float, float, float, float]]  # the true face box (mesh bounds) per frame
    fps: int


def template_clip(
    out: Path,
    *,
    frames: int = 12,
    fps: int = 12,
    size: tuple[int, int] = (320, 240),
    face_box: tuple[float, float, float, float] | None = None,
    scale: float = 0.55,
) -> TemplateClip:
    """The astronaut moving over bricks. ``face_box``: the still's face-mesh bounds (found with
    the vision models when not given)."""
    still = astronaut()
    if face_box is None:
        from soundmosaic.booth.vision import Vision

        vision = Vision.shared()
        points, _ = vision.landmarks(still, vision.detect(still)[0])
        face_box = (*points.min(0), *points.max(0))
    anchor = ((face_box[0] + face_box[2]) / 2, (face_box[1] + face_box[3]) / 2)
    back = backdrop("brick", size)
    images, boxes = [], []
    for i in range(frames):
        matrix = motion(i, frames, size, scale, anchor)
        moved = cv2.warpAffine(still, matrix, size, flags=cv2.INTER_LINEAR)
        inside = cv2.warpAffine(np.full(still.shape[:2], 255, np.uint8), matrix, size) > 127
        images.append(np.where(inside[..., None], moved, back))
        boxes.append(moved_box(face_box, matrix))
    return TemplateClip(write_clip(images, out, fps), boxes, fps)


def grace_cutout() -> np.ndarray:
    """Grace Hopper's person mask (bool, the photo's size) by GrabCut + shape clean-up."""
    photo = grace_hopper()
    h, w = photo.shape[:2]
    small = cv2.resize(photo, (256, round(256 * h / w)), interpolation=cv2.INTER_AREA)
    mask = np.full(small.shape[:2], cv2.GC_PR_BGD, np.uint8)
    mask[5:-5, 10:-10] = cv2.GC_PR_FGD
    # An annotator's background strokes: the flag and its pole beside her head, the sky on the right.
    mask[:150, :72] = cv2.GC_BGD
    mask[:140, 195:] = cv2.GC_BGD
    cv2.setRNGSeed(7)
    cv2.grabCut(
        cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
        mask,
        (0, 0, 0, 0),
        np.zeros((1, 65)),
        np.zeros((1, 65)),
        5,
        cv2.GC_INIT_WITH_MASK,
    )
    found = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    opened = cv2.morphologyEx(found, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    _, labels = cv2.connectedComponents(opened)
    biggest = int(np.argmax(np.bincount(labels.ravel())[1:])) + 1
    filled = ndimage.binary_fill_holes(labels == biggest).astype(np.uint8)
    return np.asarray(cv2.resize(filled, (w, h), interpolation=cv2.INTER_NEAREST) > 0)


@dataclass(frozen=True)
class PersonClip:
    path: Path
    masks: list[np.ndarray]  # the true person mask per frame


def person_clip(
    out: Path, *, frames: int = 10, fps: int = 10, size: tuple[int, int] = (320, 240), scene: str = "grass"
) -> PersonClip:
    """Grace Hopper (her GrabCut cut-out) moving over the ``grass`` photograph."""
    photo, person = grace_hopper(), grace_cutout()
    w, h = size
    back = backdrop(scene, size)
    images, masks = [], []
    for i in range(frames):
        phase = i / max(frames - 1, 1)
        scale = h / photo.shape[0] * (0.95 + 0.1 * math.sin(2 * math.pi * phase))
        matrix = np.array([[scale, 0, w * (0.08 + 0.25 * phase)], [0, scale, h - photo.shape[0] * scale]])
        moved = cv2.warpAffine(photo, matrix, size, flags=cv2.INTER_LINEAR)
        inside = cv2.warpAffine(person.astype(np.uint8) * 255, matrix, size, flags=cv2.INTER_LINEAR) > 127
        images.append(np.where(inside[..., None], moved, back))
        masks.append(inside)
    return PersonClip(write_clip(images, out, fps), masks)


# --- identity --------------------------------------------------------------------------------------

# Mesh indices (MediaPipe face mesh): eye outer corners, nose tip, mouth corners.
EYE_R, EYE_L, NOSE, MOUTH_R, MOUTH_L = 33, 263, 1, 61, 291
CANONICAL = np.array([[38.0, 52.0], [90.0, 52.0], [64.0, 80.0], [44.0, 100.0], [84.0, 100.0]])


def aligned_face(rgb: np.ndarray, points: np.ndarray, size: int = 128) -> np.ndarray:
    """The face warped (similarity) so its eyes, nose and mouth sit on a canonical layout; grey."""
    key = points[[EYE_R, EYE_L, NOSE, MOUTH_R, MOUTH_L]].astype(np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(key, CANONICAL.astype(np.float32))
    grey = cv2.cvtColor(np.asarray(rgb, np.uint8), cv2.COLOR_RGB2GRAY)
    return np.asarray(cv2.warpAffine(grey, matrix, (size, size), flags=cv2.INTER_AREA))


def hog(face: np.ndarray) -> np.ndarray:
    from skimage.feature import hog as skimage_hog

    # The inner face (brows to chin), where the identity is, not the hair or the background.
    inner = cv2.equalizeHist(face[24:116, 20:108])
    vector = skimage_hog(inner, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    return np.asarray(vector / (np.linalg.norm(vector) + 1e-9))


def proportions(points: np.ndarray) -> np.ndarray:
    """Inner-face proportions, scale- and rotation-free: distances over the eye-corner distance.
    Only the inner face (eyes, nose, mouth): the swap keeps part of the musician's outline (jaw,
    forehead) by design, so the outline does not tell whose face it is."""
    eyes = np.linalg.norm(points[EYE_L] - points[EYE_R])
    # mouth width, eye corner to mouth corner (both sides), inner eye corners, nose tip to upper
    # lip, nose bridge to tip
    pairs = [(MOUTH_R, MOUTH_L), (EYE_R, MOUTH_R), (EYE_L, MOUTH_L), (133, 362), (NOSE, 13), (168, NOSE)]
    return np.array([np.linalg.norm(points[a] - points[b]) / eyes for a, b in pairs])


@dataclass(frozen=True)
class Identity:
    hog_participant: float
    hog_musician: float
    shape_participant: float  # distance between proportion vectors (smaller: closer)
    shape_musician: float


def identity_scores(
    result: np.ndarray,
    result_points: np.ndarray,
    participant: np.ndarray,
    participant_points: np.ndarray,
    musician: np.ndarray,
    musician_points: np.ndarray,
) -> Identity:
    r, p, m = (
        hog(aligned_face(image, points))
        for image, points in (
            (result, result_points),
            (participant, participant_points),
            (musician, musician_points),
        )
    )
    rp, pp, mp = proportions(result_points), proportions(participant_points), proportions(musician_points)
    return Identity(
        float(r @ p), float(r @ m), float(np.linalg.norm(rp - pp)), float(np.linalg.norm(rp - mp))
    )


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
