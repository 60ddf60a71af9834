"""The reply model at run time: load the shipped JSON file and score posts. Pure Python.

The file (``bot/replies/model.json``) is plain JSON, written by ``wikibot replies train``:

    {"format": "wikibot-reply-model/1",
     "trained_on": {...counts and data hashes...},
     "intent": {"intercept": z0, "calibration": [a, b], "threshold": t},
     "audience": {"classes": [...], "intercepts": [...],     # optional
                  "vector_weights": [[384 numbers] per class], "temperature": T},
     "embedding": {"encoder": {"package": ..., "sha256": ..., "max_tokens": 256},
                   "scale": s, "weights": [384 numbers], "typical": t},   # optional
     "cues": [{"name": ..., "pattern": ..., "title_only": false}, ...],
     "features": {"w:get into": [idf, w_intent, w_aud_1, ...],
                  "r:asks where to start|title": [value, w_intent, ...], ...}}

Word and character features (``w:``, ``c:``) form a TF-IDF vector (sublinear term
frequency, L2 norm); a cue feature (``r:``) that fires adds its fixed ``value`` outside the
norm. With an ``embedding`` entry, intent also adds ``scale * weights . v``, where ``v`` is
the post's unit-length sentence vector (``encoder.py``), and each audience adds
``scale * vector_weights[class] . v``. Each head is a dot product; intent then gets Platt
calibration, ``p = 1 / (1 + exp(-(a * z + b)))``, and the audience head a softmax of its
logits divided by ``temperature`` (fitted on out-of-fold scores). No pickle, nothing
executed: cue patterns are regular expressions, compiled and matched like any
configuration, and the encoder is a checksummed ONNX file run by onnxruntime.
"""

from __future__ import annotations

import functools
import heapq
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.errors import shown_path
from bot.replies.encoder import DIMENSIONS, Encoder, EncoderSpec, verify
from bot.replies.features import Cue, cue_features, extract, prepare_post
from bot.replies.model_json import (
    Corrupt,
    cues,
    field,
    is_number,
    json_object,
    number,
    numbers_list,
    text,
    wrong,
)
from bot.yamlfile import Fault, config_error, read_problem, unknown_keys

FORMAT = "wikibot-reply-model/1"
DEFAULT_PATH = Path(__file__).with_name("model.json")
KEYS = frozenset({"format", "trained_on", "intent", "audience", "embedding", "cues", "features"})


@dataclass(frozen=True)
class Score:
    """What the model says about one post."""

    probability: float  # calibrated probability of a getting-started question
    logit: float  # calibrated log-odds, before guard rails
    audience: str | None  # the learned audience, when the model has an audience head
    audience_probabilities: Mapping[str, float]
    top_features: tuple[tuple[str, float], ...]  # strongest contributions to intent


@dataclass(frozen=True)
class EmbeddingHead:
    """The intent head's weights on the sentence vector."""

    spec: EncoderSpec
    scale: float
    weights: tuple[float, ...]
    typical: float = 0.0  # the average training post's part: explanations show the rest

    def part(self, vector: Sequence[float]) -> float:
        """What a sentence vector adds to the raw intent score."""
        return self.scale * sum(w * v for w, v in zip(self.weights, vector, strict=True))


@functools.cache
def encoder(spec: EncoderSpec) -> Encoder:
    """The process's encoder for ``spec``, loaded on first use (~0.3 s)."""
    return Encoder(spec)


@dataclass(frozen=True)
class Model:
    """A loaded reply model."""

    features: Mapping[str, tuple[float, ...]]
    cues: tuple[Cue, ...]
    intercept: float
    calibration: tuple[float, float]
    threshold: float
    audience_classes: tuple[str, ...]
    audience_intercepts: tuple[float, ...]
    trained_on: Mapping[str, Any]
    source: str
    embedding: EmbeddingHead | None = None
    audience_vector_weights: tuple[tuple[float, ...], ...] = ()  # per class, may be empty
    audience_temperature: float = 1.0

    def ready(self) -> None:
        """Check the sentence encoder now (installed, the right file), so that a missing or
        different one stops start-up in one line. Its session is loaded on first use: a
        process with no post to score never pays its ~300 MB."""
        if self.embedding is not None:
            verify(self.embedding.spec)

    def embed(self, title: str, body: str) -> tuple[float, ...] | None:
        """The post's sentence vector, when this model reads one (raw title and body)."""
        if self.embedding is None:
            return None
        return encoder(self.embedding.spec).embed(title, body)

    def score(
        self,
        *,
        title: str,
        body: str = "",
        prepared: bool = False,
        explain: bool = True,
        vector: Sequence[float] | None = None,
    ) -> Score:
        """Score one post. Pure.

        ``prepared``: the texts come from ``prepare_post`` already. ``explain``: list the
        strongest features (the watcher does not need them; ``replies test`` does).
        ``vector``: the post's sentence vector (``embed``); a model that reads one needs it.
        """
        heads = 1 + len(self.audience_classes)
        table = self.features
        if not prepared:
            title, body = prepare_post(title, body)
        known = []
        keep = explain or heads > 1
        norms = {"w:": 0.0, "c:": 0.0}
        totals = {"w:": 0.0, "c:": 0.0}
        lookup, log = table.get, math.log  # the hot loop: ~700 features a post
        for feature, count in extract(title, body, prepared=True).items():
            row = lookup(feature)
            if row is not None:
                value = row[0] if count == 1 else (1.0 + log(count)) * row[0]
                family = feature[:2]
                norms[family] += value * value
                totals[family] += value * row[1]
                if keep:
                    known.append((feature, value, row))
        scales = {family: 1.0 / math.sqrt(n) if n else 0.0 for family, n in norms.items()}
        sums = [sum(totals[family] * scales[family] for family in totals)]
        for head in range(2, heads + 1):
            sums.append(sum(value * scales[f[:2]] * row[head] for f, value, row in known))
        contributions = (
            [(f, value * scales[f[:2]] * row[1]) for f, value, row in known] if explain else []
        )
        for feature in cue_features(title, body, self.cues, prepared=True):
            cue = table.get(feature)
            if cue is not None:
                for head in range(heads):
                    sums[head] += cue[0] * cue[head + 1]
                contributions.append((feature, cue[0] * cue[1]))
        raw = self.intercept + sums[0]
        a, b = self.calibration
        if self.embedding is not None:
            if vector is None:
                raise ValueError(f"{self.source}: this model needs the post's sentence vector")
            part = self.embedding.part(vector)
            raw += part
            if explain:
                contributions.append(("sentence vector", part - self.embedding.typical))
        logit = a * raw + b
        strongest = heapq.nlargest(8, contributions, key=lambda item: abs(item[1]))
        probabilities = self._audiences(sums[1:], vector)
        audience = max(probabilities, key=probabilities.__getitem__) if probabilities else None
        return Score(
            probability=sigmoid(logit),
            logit=logit,
            audience=audience,
            audience_probabilities=probabilities,
            top_features=tuple((f, round(c * a, 3)) for f, c in strongest),
        )

    def _audiences(
        self, text_sums: Sequence[float], vector: Sequence[float] | None
    ) -> dict[str, float]:
        """The audience head's calibrated probabilities (empty without one)."""
        if not self.audience_classes:
            return {}
        logits = [
            intercept + total
            for intercept, total in zip(self.audience_intercepts, text_sums, strict=True)
        ]
        if self.audience_vector_weights and self.embedding is not None and vector is not None:
            scale = self.embedding.scale
            logits = [
                z + scale * sum(w * v for w, v in zip(weights, vector, strict=True))
                for z, weights in zip(logits, self.audience_vector_weights, strict=True)
            ]
        logits = [z / self.audience_temperature for z in logits]
        return dict(zip(self.audience_classes, softmax(logits), strict=True))


def sigmoid(z: float) -> float:
    """The logistic function, safe for large ``|z|``."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def load_model(path: Path | None = None) -> Model:
    """Read and validate a model file; ``ConfigError`` names the file, the key and what to do."""
    path = path or DEFAULT_PATH
    file, fix = shown_path(path), _restore_hint(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_finite)
    except _NotFinite as exc:
        problem = f"reply model holds {exc}, which is not a number it can score with"
        raise config_error(Fault(file, problem, fix=fix)) from None
    except FileNotFoundError:
        raise config_error(Fault(file, "reply model not found", fix=fix)) from None
    except (OSError, UnicodeDecodeError) as exc:
        problem, read_fix = read_problem(exc, what="reply model")
        raise config_error(Fault(file, problem, fix=f"{read_fix} ({fix})")) from None
    except json.JSONDecodeError as exc:
        problem = f"reply model is not valid JSON ({exc.msg})"
        raise config_error(Fault(file, problem, fix=fix, line=exc.lineno)) from None
    if isinstance(data, dict) and (unknown := unknown_keys(data, KEYS, file=file)):
        raise config_error(replace(unknown[0], problem=f"unknown key in a {FORMAT} file", fix=fix))
    try:
        return model_from_dict(data, source=file)
    except Corrupt as exc:
        raise config_error(Fault(file, exc.problem, key=exc.key, fix=fix)) from None
    except re.error as exc:  # a cue's pattern
        raise config_error(
            Fault(file, f"invalid regular expression ({exc})", key="cues", fix=fix)
        ) from None


class _NotFinite(ValueError):
    """A model file holds NaN or Infinity (Python's json reads them; no weight may be one)."""


def _not_finite(constant: str) -> float:
    """``json.loads``' hook for NaN, Infinity and -Infinity: refuse them."""
    raise _NotFinite(constant)


def _restore_hint(path: Path) -> str:
    """What fixes a missing or damaged model file (retraining needs data users lack)."""
    if path.resolve() == DEFAULT_PATH.resolve():
        shipped = "/".join(DEFAULT_PATH.parts[-3:])  # bot/replies/model.json
        return (
            f"restore the shipped model with 'git checkout -- {shipped}' in the wikibot "
            "checkout (or reinstall wikibot)"
        )
    return (
        "restore the file from git or your backup, or remove model_file from replies.yaml "
        "to use the shipped model"
    )


def model_from_dict(data: Any, *, source: str) -> Model:
    """Build a ``Model`` from parsed JSON; ``Corrupt`` (a ``ValueError``) names the key of a
    bad structure."""
    if not isinstance(data, dict):
        raise wrong("", f"a {FORMAT} JSON object at the top level", data)
    if data.get("format") != FORMAT:
        raise wrong("format", repr(FORMAT), data.get("format"))
    intent = json_object(data, "intent")
    classes, intercepts, vector_weights, temperature = _audience_head(data)
    width = 2 + len(classes)
    features: dict[str, tuple[float, ...]] = {}
    for name, row in json_object(data, "features").items():
        if not isinstance(row, list) or len(row) != width or not all(map(is_number, row)):
            raise Corrupt(f"features.{name}", f"expected {width} numbers")
        features[name] = tuple(map(float, row))
    embedding = _embedding_head(head) if (head := data.get("embedding")) is not None else None
    a, b = numbers_list(field(intent, "calibration", at="intent."), "intent.calibration", length=2)
    threshold = number(field(intent, "threshold", at="intent."), "intent.threshold")
    if not 0.0 < threshold < 1.0:
        raise Corrupt(
            "intent.threshold", f"expected a probability between 0 and 1, got {threshold}"
        )
    trained_on = data.get("trained_on") or {}
    if not isinstance(trained_on, dict):
        raise wrong("trained_on", "an object", trained_on)
    return Model(
        features=features,
        cues=cues(data),
        intercept=number(field(intent, "intercept", at="intent."), "intent.intercept"),
        calibration=(a, b),
        threshold=threshold,
        audience_classes=classes,
        audience_intercepts=intercepts,
        trained_on=dict(trained_on),
        source=source,
        embedding=embedding,
        audience_vector_weights=vector_weights,
        audience_temperature=temperature,
    )


def _audience_head(
    data: Mapping[str, Any],
) -> tuple[tuple[str, ...], tuple[float, ...], tuple[tuple[float, ...], ...], float]:
    """The audience head: classes, intercepts, vector weights and temperature."""
    audience = data.get("audience") or {"classes": [], "intercepts": []}
    if not isinstance(audience, dict):
        raise wrong("audience", "an object", audience)
    raw_classes = field(audience, "classes", at="audience.")
    if not isinstance(raw_classes, list) or not all(isinstance(c, str) for c in raw_classes):
        raise wrong("audience.classes", "a list of names", raw_classes)
    classes = tuple(raw_classes)
    intercepts = numbers_list(
        field(audience, "intercepts", at="audience."), "audience.intercepts", length=len(classes)
    )
    raw_rows = audience.get("vector_weights") or []
    if not isinstance(raw_rows, list) or (raw_rows and len(raw_rows) != len(classes)):
        raise wrong("audience.vector_weights", "one list of numbers per class", raw_rows)
    vector_weights = tuple(
        numbers_list(row, f"audience.vector_weights[{i}]", length=DIMENSIONS)
        for i, row in enumerate(raw_rows)
    )
    temperature = number(audience.get("temperature", 1.0), "audience.temperature")
    if not temperature > 0:
        raise Corrupt("audience.temperature", f"expected a positive number, got {temperature}")
    return classes, intercepts, vector_weights, temperature


def _embedding_head(head: object) -> EmbeddingHead:
    """The intent head's weights on the sentence vector and the encoder they need."""
    if not isinstance(head, dict):
        raise wrong("embedding", "an object", head)
    spec = json_object(head, "encoder", at="embedding.")
    max_tokens = field(spec, "max_tokens", at="embedding.encoder.")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        raise wrong("embedding.encoder.max_tokens", "a whole number", max_tokens)
    at = "embedding.encoder."
    return EmbeddingHead(
        spec=EncoderSpec(
            package=text(field(spec, "package", at=at), f"{at}package"),
            sha256=text(field(spec, "sha256", at=at), f"{at}sha256"),
            max_tokens=max_tokens,
        ),
        scale=number(field(head, "scale", at="embedding."), "embedding.scale"),
        weights=numbers_list(
            field(head, "weights", at="embedding."), "embedding.weights", length=DIMENSIONS
        ),
        typical=number(head.get("typical", 0.0), "embedding.typical"),
    )
