"""Text features for the reply model: the one place that turns a post into features.

Training and scoring both call ``extract``, so the model file can never disagree with the
code that reads posts. The text is the title twice (the question is usually there) and
the body. Features are strings with a prefix naming their family:

- ``w:`` word unigrams and bigrams;
- ``c:`` character 2- to 5-grams inside each word, padded with spaces (spelling variants,
  "ML"/"ml", "learn"/"learning");
- ``r:`` cues: phrase patterns written from the labelling guidelines ("asks where to
  start", "already works in ML"), each firing in the title or the body, and again with a
  ``+ml`` suffix when the post names ML, AI or deep learning: "where do I start" means
  something else beside "machine learning" than beside "data engineering", and a linear
  model cannot learn that conjunction by itself. The model learns their weights; the
  patterns travel in the model file.

Pure functions over strings; no I/O.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MAX_TITLE_CHARS = 400
MAX_BODY_CHARS = 3000  # the labelled data cuts bodies here; scoring must see the same
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"\b\w\w+\b")
_CHAR_SIZES = (2, 3, 4, 5)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Cue:
    """A phrase pattern whose presence (in the title or the body) is a feature."""

    name: str
    pattern: re.Pattern[str]
    title_only: bool = False


def prepare(text: str | None, limit: int, *, url_marker: str = "urltoken") -> str:
    """Lower-case, NFKC-normalised, whitespace-folded text; URLs become ``url_marker``.

    URLs are replaced so that words inside them (``.../interview-prep``) do not count.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: limit * 2]).translate(_QUOTES)
    text = _URL.sub(f" {url_marker} ", text)
    return " ".join(text.lower().split())[:limit]


def extract(title: str | None, body: str | None) -> Counter[str]:
    """Word and character feature counts of one post."""
    title_text = prepare(title, MAX_TITLE_CHARS)
    text = f"{title_text} {title_text} {prepare(body, MAX_BODY_CHARS)}"
    counts: Counter[str] = Counter()
    tokens = _WORD.findall(text)
    counts.update("w:" + token for token in tokens)
    counts.update(f"w:{a} {b}" for a, b in itertools.pairwise(tokens))
    for word in text.split():
        padded = f" {word} "
        for size in _CHAR_SIZES:
            if size > len(padded):
                break
            counts.update("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    return counts


_ML_TOPIC = re.compile(
    r"\b(ml|machine[- ]?learning|deep[- ]?learning|a\.?i\.?|artificial intelligence|"
    r"neural net\w*|nlp|computer vision|reinforcement learning|llms?)\b"
)


def cue_features(title: str | None, body: str | None, cues: Sequence[Cue]) -> list[str]:
    """Names of the cues that fire: ``r:<name>|title`` or ``r:<name>|body`` (+ ``+ml``)."""
    title_text = prepare(title, MAX_TITLE_CHARS)
    body_text = prepare(body, MAX_BODY_CHARS)
    about_ml = bool(_ML_TOPIC.search(title_text) or _ML_TOPIC.search(body_text))
    fired = []
    for cue in cues:
        if cue.pattern.search(title_text):
            where = "title"
        elif not cue.title_only and cue.pattern.search(body_text):
            where = "body"
        else:
            continue
        fired.append(f"r:{cue.name}|{where}")
        if about_ml:
            fired.append(f"r:{cue.name}|{where}+ml")
    return fired
