"""Sentence vectors of many labelled posts, for training and evaluation, cached on disk.

Encoding a post takes ~50 ms, so ``replies train`` and ``replies eval`` keep the vectors in
``<cache>/vectors-<encoder sha256 prefix>.npz`` (text digest -> vector) and only encode
posts they have not seen. A changed encoder file gets a new cache file; a corrupt cache is
rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.replies.encoder import DIMENSIONS, Encoder, EncoderSpec, encoder_text

if TYPE_CHECKING:
    from bot.learning.dataset import Example


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cache_file(directory: Path, spec: EncoderSpec) -> Path:
    return directory / f"vectors-{spec.sha256[:12]}-{spec.max_tokens}.npz"


def _load(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            digests, vectors = data["digests"], data["vectors"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}
    if vectors.shape != (len(digests), DIMENSIONS):
        return {}
    return {str(d): v for d, v in zip(digests.tolist(), vectors, strict=True)}


def _save(path: Path, known: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    digests = sorted(known)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(
        temporary,
        digests=np.array(digests),
        vectors=np.array([known[d] for d in digests], dtype=np.float32).reshape(-1, DIMENSIONS),
    )
    temporary.replace(path)


def post_vectors(
    examples: Sequence[Example],
    *,
    spec: EncoderSpec,
    cache: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """One unit vector per example (rows), encoding only what the cache lacks."""
    texts = [encoder_text(e.title, e.body) for e in examples]
    digests = [_digest(t) for t in texts]
    path = cache_file(cache, spec) if cache else None
    known = _load(path) if path and path.exists() else {}
    missing = sorted({d: t for d, t in zip(digests, texts, strict=True) if d not in known}.items())
    if missing:
        encoder = Encoder(spec, threads=2)
        for done, (digest, text) in enumerate(missing):
            if progress and done % 50 == 0:
                progress(done, len(missing))
            known[digest] = encoder.embed_text(text)
            if path and (done + 1) % 1000 == 0:
                _save(path, known)  # long runs keep what they did if interrupted
        if progress:
            progress(len(missing), len(missing))
        if path:
            _save(path, known)
    return np.array([known[d] for d in digests], dtype=np.float32).reshape(-1, DIMENSIONS)
