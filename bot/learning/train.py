"""Train the reply model from labelled posts: TF-IDF + logistic regression, calibrated.

``fit`` builds everything the model file holds:

1. a vocabulary of the ``max_features`` word and character features found in the most
   training posts (at least ``min_df``), with their IDF, and the cues of ``cues.yaml``;
   beside them, the post's sentence vector (``encoder.py``) times ``embedding_scale``;
2. an intent head: L2 logistic regression on clear posts (borderline posts are left out:
   reasonable people disagree on them, so they teach noise);
3. Platt calibration from out-of-fold scores of an inner k-fold on the training posts
   only; the reply threshold is a calibrated probability, ``reply_probability``. (Picking
   the threshold as the inner folds' best F0.5 at a precision target was tried: with ~60
   askers per training set it swung from 0.36 to 0.69 between folds and let through twice
   the false replies; a fixed calibrated probability is steadier.)
4. an audience head: multinomial logistic regression over the same n-grams, cues and
   sentence vector, trained on every getting-started post with an audience, borderline
   ones included (their intent is debatable, their audience is as clear as anyone's), and
   calibrated by a temperature fitted on out-of-fold scores of an inner k-fold.

Needs scikit-learn (``pip install 'wikibot[train]'``); scoring at run time does not.
Deterministic: the same examples and options give the same file, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import BadArgument, ConfigError
from bot.fileio import atomic_write_text
from bot.learning.dataset import Example
from bot.replies.encoder import DEFAULT_SPEC, DIMENSIONS
from bot.replies.features import Cue, cue_features, extract
from bot.replies.model import FORMAT
from bot.replies.rules import parse_rules, read_yaml
from bot.replies.terms import AUDIENCES

CUES_FILE = Path(__file__).with_name("cues.yaml")

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

SIGNIFICANT_DIGITS = 6


@dataclass(frozen=True)
class TrainOptions:
    """Knobs of ``fit``; the defaults are the shipped model's."""

    c: float = 10.0  # inverse L2 strength of the intent head (best of 3-1000 in CV)
    audience_head: bool = True
    audience_c: float = 4.0
    min_df: int = 2
    max_features: int = 30_000  # per family: words, characters
    cue_value: float = 0.5  # a cue that fires counts this much, outside the TF-IDF norm
    embedding_scale: float = 2.0  # the sentence vector's weight beside the n-grams; 0: none
    reply_probability: float = 0.70  # reply when the calibrated probability reaches this
    inner_folds: int = 5
    seed: int = 20261127


MIN_CLEAR_ASKERS = 20  # fewer clear getting-started posts than this cannot judge a model
MIN_CLEAR_OTHERS = 100


def check_trainable(examples: Sequence[Example]) -> None:
    """``BadArgument`` in one line when the labelled posts are too few to judge a model by.

    Ten moderator labels once trained a 12-post model that answered "Where should I start
    with my taxes?" at p=0.99; ``replies train --force`` overrides this check."""
    clear = [e for e in examples if not e.borderline]
    askers = sum(e.intent for e in clear)
    if askers < MIN_CLEAR_ASKERS or len(clear) - askers < MIN_CLEAR_OTHERS:
        raise BadArgument(
            f"too few labelled posts to train a model worth judging: {askers} clear "
            f"getting-started and {len(clear) - askers} clear other posts (at least "
            f"{MIN_CLEAR_ASKERS} and {MIN_CLEAR_OTHERS}); label more, or pass --force"
        )


def options_of(trained_on: Mapping[str, Any]) -> TrainOptions:
    """The options a model file says it was trained with (defaults for what it lacks)."""
    recorded = trained_on.get("options") or {}
    known = {f.name for f in fields(TrainOptions)}
    return TrainOptions(**{k: v for k, v in recorded.items() if k in known})


def require_sklearn() -> None:
    """Fail with one line when the training extra is not installed."""
    try:
        import sklearn  # noqa: F401, PLC0415
    except ImportError:
        raise ConfigError(
            "training needs scikit-learn: pip install 'wikibot[train]' (scoring does not)"
        ) from None


def load_cues(path: Path = CUES_FILE) -> tuple[Cue, ...]:
    """The cue patterns; ``ConfigError`` names the file and entry of a bad one."""
    data = read_yaml(path, "cues file")
    rules = parse_rules(data.get("cues"), f"{path}: cues", weighted=False, required=True)
    names = [str(item.get("name") or "") for item in data["cues"]]
    if len(set(names)) != len(names) or not all(names):
        raise ConfigError(f"{path}: cues: every cue needs a unique 'name'")
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
        idf = [_round(math.log((1 + total) / (1 + df[name])) + 1.0) for name in names]
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


def fit(data: Featurised, *, options: TrainOptions) -> dict[str, Any]:
    """Train a model on ``data``; returns the JSON-ready model document."""
    require_sklearn()
    import numpy as np  # noqa: PLC0415

    clear = [i for i, e in enumerate(data.examples) if not e.borderline]
    train = data.subset(clear)
    labels = np.array([e.intent for e in train.examples], dtype=int)
    if labels.sum() < options.inner_folds or (len(labels) - labels.sum()) < options.inner_folds:
        raise ConfigError(
            f"training needs at least {options.inner_folds} clear getting-started and "
            f"{options.inner_folds} clear other posts; got {int(labels.sum())} and "
            f"{int(len(labels) - labels.sum())}"
        )
    vectoriser = Vectoriser.fit(train, options=options)
    matrix = vectoriser.transform(train)
    head = _intent_head(matrix, labels, options=options)
    raw_oof = _out_of_fold_raw(train, labels, options=options)
    a, b = _platt(raw_oof, labels)
    threshold = options.reply_probability
    audience = _audience_head(data, vectoriser, options=options)
    width = 1 + len(audience["classes"])
    text_width = vectoriser.text_width
    weights = np.zeros((text_width, width))
    weights[:, 0] = head.coef_[0][:text_width]
    if audience["classes"]:
        weights[:, 1:] = audience.pop("coef").T
    firsts = [*vectoriser.idf, *([vectoriser.cue_value] * len(vectoriser.cue_names))]
    features = {
        name: [firsts[i], *(_round(float(w)) for w in weights[i])]
        for i, name in enumerate(vectoriser.names())
    }
    embedding = None
    if vectoriser.embedding_scale and train.vectors is not None:
        vector_weights = head.coef_[0][text_width:]
        parts = vectoriser.embedding_scale * (train.vectors.astype("float64") @ vector_weights)
        embedding = {
            "encoder": DEFAULT_SPEC.to_dict(),
            "scale": vectoriser.embedding_scale,
            "weights": [_round(float(w)) for w in vector_weights],
            # the average post's share, so explanations show what this post adds beyond it
            "typical": _round(float(parts.mean())),
        }
    return {
        "format": FORMAT,
        "trained_on": _provenance(data, options),
        "intent": {
            "intercept": _round(float(head.intercept_[0])),
            "calibration": [_round(a), _round(b)],
            "threshold": _round(threshold),
        },
        "audience": audience,
        **({"embedding": embedding} if embedding else {}),
        "cues": [
            {"name": c.name, "pattern": c.pattern.pattern, "title_only": c.title_only}
            for c in data.cue_set
        ],
        "features": features,
    }


def _intent_head(matrix: csr_matrix, labels: np.ndarray, *, options: TrainOptions) -> Any:
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    model = LogisticRegression(
        C=options.c, class_weight="balanced", solver="liblinear", random_state=options.seed
    )
    return model.fit(matrix, labels)


def _out_of_fold_raw(data: Featurised, labels: np.ndarray, *, options: TrainOptions) -> list[float]:
    """Raw intent scores of each training post from a model that did not see it."""
    from sklearn.model_selection import StratifiedGroupKFold  # noqa: PLC0415

    groups = near_duplicate_groups(data.examples)
    folds = StratifiedGroupKFold(
        n_splits=options.inner_folds, shuffle=True, random_state=options.seed
    )
    raw = [0.0] * len(labels)
    for train_idx, test_idx in folds.split(labels, labels, groups):
        part = data.subset(train_idx.tolist())
        vectoriser = Vectoriser.fit(part, options=options)
        head = _intent_head(vectoriser.transform(part), labels[train_idx], options=options)
        test = data.subset(test_idx.tolist())
        scores = head.decision_function(vectoriser.transform(test))
        for i, score in zip(test_idx.tolist(), scores.tolist(), strict=True):
            raw[i] = float(score)
    return raw


def _platt(raw: Sequence[float], labels: np.ndarray) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * raw + b)`` to out-of-fold scores (Platt's method)."""
    import numpy as np  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    model = LogisticRegression(C=1e4, solver="lbfgs").fit(np.array(raw).reshape(-1, 1), labels)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def _audience_head(
    data: Featurised, vectoriser: Vectoriser, *, options: TrainOptions
) -> dict[str, Any]:
    """Multinomial audience model on every getting-started post with an audience (clear and
    borderline), with a temperature; empty when a class has too few posts."""
    import numpy as np  # noqa: PLC0415

    rows = [i for i, e in enumerate(data.examples) if e.intent and e.audience in AUDIENCES]
    present = Counter(data.examples[i].audience for i in rows)
    if not options.audience_head or len(rows) < 20 or any(present[a] < 3 for a in AUDIENCES):
        return {"classes": [], "intercepts": []}
    part = data.subset(rows)
    labels = np.array([AUDIENCES.index(e.audience) for e in part.examples])
    matrix = vectoriser.transform(part)
    model = _audience_model(matrix, labels, options=options)
    temperature = _temperature(part, matrix, labels, options=options)
    head: dict[str, Any] = {
        "classes": list(AUDIENCES),
        "intercepts": [_round(float(v)) for v in model.intercept_],
        "temperature": _round(temperature),
        "coef": model.coef_[:, : vectoriser.text_width],
    }
    if vectoriser.embedding_scale:
        head["vector_weights"] = [
            [_round(float(w)) for w in row] for row in model.coef_[:, vectoriser.text_width :]
        ]
    return head


@dataclass(frozen=True)
class AudienceModel:
    """A multinomial logistic regression's weights over all of a vectoriser's columns."""

    coef_: np.ndarray  # (classes, columns)
    intercept_: np.ndarray

    def decision_function(self, matrix: csr_matrix) -> np.ndarray:
        scores: np.ndarray = matrix @ self.coef_.T + self.intercept_
        return scores


def _audience_model(
    matrix: csr_matrix, labels: np.ndarray, *, options: TrainOptions
) -> AudienceModel:
    """Fit on the columns the getting-started posts use: a column no training post uses
    gets weight 0 under L2 anyway, and leaving the rest of the vocabulary out makes the
    optimiser's steps a few times cheaper."""
    import numpy as np  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    used = np.unique(matrix.indices)
    model = LogisticRegression(C=options.audience_c, solver="lbfgs", max_iter=3000)
    model.fit(matrix[:, used], labels)
    coef = np.zeros((model.coef_.shape[0], matrix.shape[1]))
    coef[:, used] = model.coef_
    return AudienceModel(coef, model.intercept_)


def _temperature(
    data: Featurised, matrix: csr_matrix, labels: np.ndarray, *, options: TrainOptions
) -> float:
    """The softmax temperature that best fits out-of-fold audience scores (inner k-fold)."""
    import numpy as np  # noqa: PLC0415
    from scipy.optimize import minimize_scalar  # noqa: PLC0415
    from sklearn.model_selection import StratifiedGroupKFold  # noqa: PLC0415

    groups = near_duplicate_groups(data.examples)
    smallest = int(np.bincount(labels, minlength=len(AUDIENCES)).min())
    folds = min(options.inner_folds, smallest, len(set(groups)))
    if folds < 2:
        return 1.0
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=options.seed)
    logits = np.zeros((len(labels), len(AUDIENCES)))
    for train_idx, test_idx in splitter.split(labels, labels, groups):
        model = _audience_model(matrix[train_idx], labels[train_idx], options=options)
        logits[test_idx] = model.decision_function(matrix[test_idx])

    def loss(log_t: float) -> float:
        z = logits / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(labels)), labels].mean())

    best = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return float(math.exp(best.x))


def near_duplicate_groups(examples: Sequence[Example]) -> list[int]:
    """A group id per example: posts sharing a normalised title or body opening share one.

    Reposts and cross-posts must fall in the same fold, or the model is scored on text it
    was trained on.
    """
    parent = list(range(len(examples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[str, int] = {}
    for index, example in enumerate(examples):
        for key in _duplicate_keys(example):
            if key in first_seen:
                parent[find(index)] = find(first_seen[key])
            else:
                first_seen[key] = index
    return [find(i) for i in range(len(examples))]


def _duplicate_keys(example: Example) -> list[str]:
    title = "".join(ch for ch in example.title.lower() if ch.isalnum())
    body = "".join(ch for ch in example.body.lower() if ch.isalnum())
    keys = []
    if len(title) >= 20:
        keys.append("t:" + title)
    if len(body) >= 80:
        keys.append("b:" + body[:300])
    return keys


def write_model(document: dict[str, Any], path: Path) -> None:
    """Write the model as stable, reviewable JSON (sorted keys, one feature a line)."""
    head = {k: v for k, v in document.items() if k != "features"}
    lines = ["{"]
    for key in sorted(head):
        lines.append(f"  {json.dumps(key)}: {json.dumps(head[key], sort_keys=True)},")
    lines.append('  "features": {')
    items = sorted(document["features"].items())
    for n, (name, row) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        lines.append(f"    {json.dumps(name, ensure_ascii=False)}: {json.dumps(row)}{comma}")
    lines.append("  }")
    lines.append("}")
    atomic_write_text(path, "\n".join(lines) + "\n")
    path.chmod(0o644)  # a file for the repository, readable like any other


def _provenance(data: Featurised, options: TrainOptions) -> dict[str, Any]:
    clear = [e for e in data.examples if not e.borderline]
    digest = hashlib.sha256()
    for example in sorted(data.examples, key=lambda e: e.key):
        digest.update(
            f"{example.key}\t{int(example.intent)}\t{example.audience}\t{int(example.borderline)}\n".encode()
        )
    return {
        "examples": len(data.examples),
        "clear": len(clear),
        "clear_getting_started": sum(e.intent for e in clear),
        "sources": dict(sorted(Counter(Path(e.source).name for e in data.examples).items())),
        "labels_sha256": digest.hexdigest(),
        "sentence_vectors": data.vectors is not None and options.embedding_scale > 0,
        "options": asdict(options),
        # which posts it learned from, so `replies train` can refit its recipe on them
        "keys": sorted(e.key for e in data.examples),
    }


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
