"""Which posts stay together: near-duplicate groups, and the cross-validation folds.

Reposts and cross-posts must fall in the same fold, or a model is scored on text it was
trained on.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.learning.dataset import Example


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


def fold_splits(
    examples: Sequence[Example], groups: Sequence[int], *, folds: int, seed: int
) -> list[tuple[list[int], list[int]]]:
    """(train, test) index lists: each post tested once, near-duplicates in one fold,
    getting-started and borderline posts spread evenly."""
    from sklearn.model_selection import StratifiedGroupKFold  # noqa: PLC0415

    strata = [2 * e.intent + e.borderline for e in examples]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(tr.tolist(), te.tolist()) for tr, te in splitter.split(strata, strata, groups)]
