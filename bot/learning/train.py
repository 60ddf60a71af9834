"""Train the reply model from labelled posts: TF-IDF + logistic regression, calibrated.

``fit`` builds everything the model file holds:

1. a vocabulary of the ``max_features`` word and character features found in the most
   training posts (at least ``min_df``), with their IDF, and the cues of ``cues.yaml``;
   beside them, the post's sentence vector (``encoder.py``) times ``embedding_scale``
   (``featurise.py`` builds these columns; ``options.py`` holds the knobs);
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

Needs scikit-learn (``pip install 'wikibot[train]'``); scoring at run time does not. It
and SciPy are imported inside the fitting functions, so a missing extra is
``require_sklearn``'s one line, not a traceback. Deterministic: the same examples and
options give the same file (``model_file.write_model``), byte for byte.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.errors import BadArgument, ConfigError
from bot.learning.dataset import Example
from bot.learning.featurise import Featurised, Vectoriser
from bot.learning.folds import near_duplicate_groups
from bot.learning.model_file import rounded
from bot.learning.options import TrainOptions
from bot.replies.encoder import DEFAULT_SPEC
from bot.replies.model import FORMAT
from bot.replies.terms import AUDIENCES

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


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


def require_sklearn() -> None:
    """Fail with one line when the training extra is not installed."""
    try:
        import sklearn  # noqa: F401, PLC0415
    except ImportError:
        raise ConfigError(
            "training needs scikit-learn: pip install 'wikibot[train]' (scoring does not)"
        ) from None


def fit(data: Featurised, *, options: TrainOptions) -> dict[str, Any]:
    """Train a model on ``data``; returns the JSON-ready model document."""
    require_sklearn()
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
        name: [firsts[i], *(rounded(float(w)) for w in weights[i])]
        for i, name in enumerate(vectoriser.names())
    }
    embedding = None
    if vectoriser.embedding_scale and train.vectors is not None:
        vector_weights = head.coef_[0][text_width:]
        parts = vectoriser.embedding_scale * (train.vectors.astype("float64") @ vector_weights)
        embedding = {
            "encoder": DEFAULT_SPEC.to_dict(),
            "scale": vectoriser.embedding_scale,
            "weights": [rounded(float(w)) for w in vector_weights],
            # the average post's share, so explanations show what this post adds beyond it
            "typical": rounded(float(parts.mean())),
        }
    return {
        "format": FORMAT,
        "trained_on": _provenance(data, options),
        "intent": {
            "intercept": rounded(float(head.intercept_[0])),
            "calibration": [rounded(a), rounded(b)],
            "threshold": rounded(threshold),
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
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    model = LogisticRegression(C=1e4, solver="lbfgs").fit(np.array(raw).reshape(-1, 1), labels)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def _audience_head(
    data: Featurised, vectoriser: Vectoriser, *, options: TrainOptions
) -> dict[str, Any]:
    """Multinomial audience model on every getting-started post with an audience (clear and
    borderline), with a temperature; empty when a class has too few posts."""
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
        "intercepts": [rounded(float(v)) for v in model.intercept_],
        "temperature": rounded(temperature),
        "coef": model.coef_[:, : vectoriser.text_width],
    }
    if vectoriser.embedding_scale:
        head["vector_weights"] = [
            [rounded(float(w)) for w in row] for row in model.coef_[:, vectoriser.text_width :]
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
