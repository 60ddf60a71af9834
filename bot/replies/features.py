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

import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.replies.terms import FEATURE_BODY_CHARS, FEATURE_TITLE_CHARS

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


@functools.lru_cache(maxsize=65_536)
def _char_grams(word: str) -> tuple[str, ...]:
    """``c:`` n-grams of one word padded with spaces (cached: words repeat a lot)."""
    padded = f" {word} "
    return tuple(
        "c:" + padded[i : i + size] for size in _CHAR_SIZES for i in range(len(padded) - size + 1)
    )


def prepare_post(title: str | None, body: str | None) -> tuple[str, str]:
    """Title and body, prepared once for ``extract`` and ``cue_features``."""
    return prepare(title, FEATURE_TITLE_CHARS), prepare(body, FEATURE_BODY_CHARS)


def extract(title: str | None, body: str | None, *, prepared: bool = False) -> Counter[str]:
    """Word and character feature counts of one post (``prepared``: texts come from
    ``prepare_post`` already)."""
    title_text, body_text = (title or "", body or "") if prepared else prepare_post(title, body)
    text = f"{title_text} {title_text} {body_text}"
    tokens = _WORD.findall(text)
    counts = Counter(["w:" + token for token in tokens])
    counts.update([f"w:{a} {b}" for a, b in itertools.pairwise(tokens)])
    for word, times in Counter(text.split()).items():
        grams = _char_grams(word)
        counts.update(grams if times == 1 else grams * times)
    return counts


_ML_TOPIC = re.compile(
    r"\b(ml|machine[- ]?learning|deep[- ]?learning|a\.?i\.?|artificial intelligence|"
    r"neural net\w*|nlp|computer vision|reinforcement learning|llms?)\b"
)


def cue_features(
    title: str | None, body: str | None, cues: Sequence[Cue], *, prepared: bool = False
) -> list[str]:
    """Names of the cues that fire: ``r:<name>|title`` or ``r:<name>|body`` (+ ``+ml``).

    A cue is searched once over title and body together; a match that starts in the
    title counts for the title (the title wins, as the leftmost match is the title's).
    """
    title_text, body_text = (title or "", body or "") if prepared else prepare_post(title, body)
    both = f"{title_text}\n{body_text}"
    about_ml = bool(_ML_TOPIC.search(both))
    fired = []
    for cue in cues:
        found = cue.pattern.search(title_text if cue.title_only else both)
        if found is None:
            continue
        where = "title" if found.start() < len(title_text) else "body"
        fired.append(f"r:{cue.name}|{where}")
        if about_ml:
            fired.append(f"r:{cue.name}|{where}+ml")
    return fired
