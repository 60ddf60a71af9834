"""The training recipe's knobs (``TrainOptions``); a model file records those it was fitted with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


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


def options_of(trained_on: Mapping[str, Any]) -> TrainOptions:
    """The options a model file says it was trained with (defaults for what it lacks)."""
    recorded = trained_on.get("options") or {}
    known = {f.name for f in fields(TrainOptions)}
    return TrainOptions(**{k: v for k, v in recorded.items() if k in known})
