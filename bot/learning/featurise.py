"""Labelled posts as training columns, computed once for every fold.

``Featurised`` holds each post's word and character counts and fired cues (``features.py``,
the same functions scoring uses) and, optionally, its sentence vector. ``Vectoriser``
learns the vocabulary and IDF from training posts and builds the matrix in the same
formula ``Model`` scores with. ``load_cues`` reads the cue patterns (``cues.yaml``) whose
weights the model learns; they travel in the model file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError, shown_path
from bot.learning.dataset import Example
from bot.learning.model_file import rounded
from bot.learning.options import TrainOptions
from bot.replies.encoder import DIMENSIONS
from bot.replies.features import Cue, cue_features, extract
from bot.replies.rules import parse_rules
from bot.yamlfile import load_yaml, reject_unknown

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

CUES_FILE = Path(__file__).with_name("cues.yaml")


def load_cues(path: Path = CUES_FILE) -> tuple[Cue, ...]:
    """The cue patterns; ``ConfigError`` names the file and entry of a bad one."""
    data = load_yaml(path, what="cues file")
    file = shown_path(path)
    reject_unknown(data, {"cues"}, file=file)
    rules = parse_rules(
        data.get("cues"),
        file=file,
        key="cues",
        weighted=False,
        required=True,
        extra_keys=frozenset({"name"}),
    )
    names = [str(item.get("name") or "") for item in data["cues"]]
    if len(set(names)) != len(names) or not all(names):
        raise ConfigError(f"{file}: cues: every cue needs a unique 'name'; name each cue once")
    return tuple(
        Cue(name=name, pattern=rule.pattern, title_only=rule.title_only)
        for name, rule in zip(names, rules, strict=True)
    )


@dataclass(frozen=True)
class Featurised:
    """Feature counts and fired cues of each example, computed once for every fold."""

    examples: Sequence[Example]
    counts: Sequence[Counter[str]]
    cues: Sequence[list[str]]
    cue_set: tuple[Cue, ...]
    vectors: np.ndarray | None = None  # sentence vectors, one row per example

    @classmethod
    def of(
        cls,
        examples: Sequence[Example],
        cues: tuple[Cue, ...] | None = None,
        *,
        vectors: np.ndarray | None = None,
    ) -> Featurised:
        cue_set = load_cues() if cues is None else cues
        if vectors is not None and len(vectors) != len(examples):
            raise ValueError(f"{len(vectors)} sentence vectors for {len(examples)} examples")
        return cls(
            examples,
            [extract(e.title, e.body) for e in examples],
            [cue_features(e.title, e.body, cue_set) for e in examples],
            cue_set,
            vectors,
        )

    def subset(self, indices: Sequence[int]) -> Featurised:
        return Featurised(
            [self.examples[i] for i in indices],
            [self.counts[i] for i in indices],
            [self.cues[i] for i in indices],
            self.cue_set,
            None if self.vectors is None else self.vectors[list(indices)],
        )


@dataclass(frozen=True)
class Vectoriser:
    """Vocabulary and IDF learned from training posts; the same formula as ``Model``."""

    vocabulary: dict[str, int]
    idf: list[float]
    cue_names: list[str]
    cue_value: float
    embedding_scale: float  # 0 when the model has no sentence vector

    @classmethod
    def fit(cls, data: Featurised, *, options: TrainOptions) -> Vectoriser:
        df: Counter[str] = Counter()
        for doc in data.counts:
            df.update(doc.keys())
        names = sorted(
            name
            for family in ("w:", "c:")
            for name in sorted(
                (f for f, n in df.items() if n >= options.min_df and f.startswith(family)),
                key=lambda f: (-df[f], f),
            )[: options.max_features]
        )
        total = len(data.counts)
        idf = [rounded(math.log((1 + total) / (1 + df[name])) + 1.0) for name in names]
        cue_names = [
            f"r:{cue.name}|{where}{ml}"
            for cue in data.cue_set
            for where in ("title", "body")
            for ml in ("", "+ml")
        ]
        scale = options.embedding_scale if data.vectors is not None else 0.0
        return cls(
            {name: i for i, name in enumerate(names)}, idf, cue_names, options.cue_value, scale
        )

    @property
    def text_width(self) -> int:
        """Columns of the n-grams and cues; the sentence vector's columns follow."""
        return len(self.idf) + len(self.cue_names)

    @property
    def width(self) -> int:
        return self.text_width + (DIMENSIONS if self.embedding_scale else 0)

    def names(self) -> list[str]:
        """Column names, in column order."""
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__) + self.cue_names

    def transform(self, data: Featurised) -> csr_matrix:
        from scipy.sparse import csr_matrix, hstack  # noqa: PLC0415

        cue_column = {name: len(self.idf) + i for i, name in enumerate(self.cue_names)}
        values: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for doc, fired in zip(data.counts, data.cues, strict=True):
            families: dict[str, list[tuple[int, float]]] = {}
            for f, n in doc.items():
                if f in self.vocabulary:
                    column = self.vocabulary[f]
                    value = (1.0 + math.log(n)) * self.idf[column]
                    families.setdefault(f[:2], []).append((column, value))
            row: list[tuple[int, float]] = []
            for family in families.values():
                norm = math.sqrt(sum(v * v for _, v in family)) or 1.0
                row.extend((column, v / norm) for column, v in family)
            row.sort()
            indices.extend(i for i, _ in row)
            values.extend(v for _, v in row)
            for name in sorted(fired, key=cue_column.__getitem__):
                indices.append(cue_column[name])
                values.append(self.cue_value)
            indptr.append(len(indices))
        text = csr_matrix((values, indices, indptr), shape=(len(data.counts), self.text_width))
        if not self.embedding_scale:
            return text
        if data.vectors is None:
            raise ValueError("this vectoriser needs the posts' sentence vectors")
        dense = csr_matrix(data.vectors.astype("float64") * self.embedding_scale)
        return hstack([text, dense], format="csr")
