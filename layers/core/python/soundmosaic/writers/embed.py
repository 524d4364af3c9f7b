"""Offline sentence embeddings: WordLlama ``l2_supercat`` (256 dimensions), whose weights
(16 MB safetensors) and tokenizer ship inside the ``wordllama`` wheel (docs/writers.md).

Why this model: it is the one multilingual-enough sentence embedder whose weights are in a PyPI
wheel and load with numpy alone (no torch, no download): token embeddings distilled from
LLaMA-2's vocabulary, average-pooled. ``wordllama.WordLlama.load`` looks for its tokenizer in a
``tokenizer/`` folder while the wheel ships it in ``tokenizers/`` and would then try Hugging
Face, so the two files are opened here directly, by path, with the package's own classes.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

MODEL = "wordllama-l2-supercat-256"
DIM = 256


@functools.cache
def _model() -> Any:
    import wordllama
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = Path(wordllama.__file__).parent
    weights = root / "weights" / "l2_supercat_256.safetensors"
    tokenizer = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not weights.exists() or not tokenizer.exists():
        raise RuntimeError(
            f"the wordllama wheel lacks {weights.name} or {tokenizer.name}: install wordllama==0.4.0.post1"
        )
    with safe_open(str(weights), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, Tokenizer.from_file(str(tokenizer)))


def embed(texts: list[str], batch: int = 64) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (cosine similarity is a dot product)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    rows = [
        model.embed([t[:6000] for t in texts[i : i + batch]], norm=True) for i in range(0, len(texts), batch)
    ]
    vectors = np.vstack(rows).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)
