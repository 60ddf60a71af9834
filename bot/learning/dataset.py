"""Labelled posts for training and evaluation, read from JSONL files.

Two kinds of file:

- **posts with labels** (``../shared/eval/train.jsonl``, ``dev.jsonl``): one JSON object a
  line with ``key``, ``title``, ``body``, ``intent``, ``audience``, ``confidence``;
- **labels only** (``data/labels.jsonl``): ``key``, ``intent``, ``audience``,
  ``confidence``, ``labelled_by``, joined by ``key`` with the text of a posts file (the
  unlabelled pool). The project commits no post text, only these keys and labels.

A key labelled twice keeps its last label, so later files (moderators' labels) win.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import BadArgument
from bot.replies.terms import AUDIENCES

INTENTS = ("getting_started", "other")
CONFIDENCES = ("clear", "borderline")


@dataclass(frozen=True)
class Example:
    """One labelled post."""

    key: str
    title: str
    body: str
    intent: bool
    audience: str  # one of AUDIENCES, or "none" for other
    borderline: bool = False
    source: str = ""
    sub: str = ""

    @property
    def clear_positive(self) -> bool:
        return self.intent and not self.borderline


@dataclass(frozen=True)
class Label:
    """A label without post text (``data/labels.jsonl``, moderators' and feedback labels)."""

    key: str
    intent: bool
    audience: str
    borderline: bool
    labelled_by: str


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BadArgument(f"{path}: cannot read: {exc.strerror}; check the path") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadArgument(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise BadArgument(f"{path}:{number}: expected a JSON object")
            yield number, row


def parse_label(row: dict[str, Any], *, where: str) -> Label:
    """Validate the label fields of one record; ``BadArgument`` names ``where``."""
    key = row.get("key")
    if not isinstance(key, str) or not key.strip():
        raise BadArgument(f"{where}: missing 'key' (the post's fullname, e.g. t3_abc123)")
    intent = row.get("intent")
    if intent not in INTENTS:
        raise BadArgument(f"{where}: intent must be getting_started or other, got {intent!r}")
    audience = row.get("audience", "index" if intent == "getting_started" else "none")
    if intent == "getting_started" and audience not in AUDIENCES:
        raise BadArgument(
            f"{where}: audience must be one of {', '.join(AUDIENCES)}, got {audience!r}"
        )
    if intent == "other" and audience not in ("none", None, ""):
        raise BadArgument(f"{where}: audience must be none when intent is other, got {audience!r}")
    confidence = row.get("confidence", "clear")
    if confidence not in CONFIDENCES:
        raise BadArgument(f"{where}: confidence must be clear or borderline, got {confidence!r}")
    return Label(
        key=key.strip(),
        intent=intent == "getting_started",
        audience=str(audience) if intent == "getting_started" else "none",
        borderline=confidence == "borderline",
        labelled_by=str(row.get("labelled_by") or ""),
    )


def load_posts(path: Path) -> list[Example]:
    """A labelled posts file (title, body and labels on each line)."""
    examples = []
    for number, row in _rows(path):
        where = f"{path}:{number}"
        label = parse_label(row, where=where)
        if not isinstance(row.get("title"), str):
            raise BadArgument(f"{where}: missing 'title' (a labels-only file goes in --labels)")
        examples.append(
            _example(label, row["title"], row.get("body"), source=path.name, sub=row.get("sub"))
        )
    if not examples:
        raise BadArgument(f"{path}: no labelled posts found")
    return examples


def load_labels(path: Path) -> list[Label]:
    """A labels-only file; a missing file is an empty list (nothing labelled yet)."""
    if not path.exists():
        return []
    return [parse_label(row, where=f"{path}:{number}") for number, row in _rows(path)]


PostText = tuple[str, str, str]  # title, body, subreddit


def load_texts(path: Path, keys: set[str]) -> dict[str, PostText]:
    """Title, body and subreddit of the posts in ``keys`` from an unlabelled posts file."""
    texts: dict[str, PostText] = {}
    for number, row in _rows(path):
        key = row.get("key")
        if key in keys:
            title = row.get("title")
            if not isinstance(title, str):
                raise BadArgument(f"{path}:{number}: post {key} has no 'title'")
            texts[str(key)] = (title, str(row.get("body") or ""), str(row.get("sub") or ""))
    return texts


def join(labels: Iterable[Label], texts: dict[str, PostText], *, source: str) -> list[Example]:
    """Labels with their post text; ``BadArgument`` names a label whose post is unknown."""
    examples = []
    for label in labels:
        if label.key not in texts:
            raise BadArgument(
                f"{source}: label for {label.key}, a post not found in the text files; "
                "pass the posts file that holds it with --texts"
            )
        title, body, sub = texts[label.key]
        examples.append(_example(label, title, body, source=source, sub=sub))
    return examples


def merge(*groups: Iterable[Example]) -> list[Example]:
    """All examples, one per key; a later group's label wins."""
    by_key: dict[str, Example] = {}
    for group in groups:
        for example in group:
            by_key.pop(example.key, None)
            by_key[example.key] = example
    return list(by_key.values())


def _example(label: Label, title: str, body: Any, *, source: str, sub: Any = "") -> Example:
    return Example(
        key=label.key,
        title=title,
        body=str(body or ""),
        intent=label.intent,
        audience=label.audience,
        borderline=label.borderline,
        source=source,
        sub=str(sub or ""),
    )


def load_corpus(
    *,
    posts: Sequence[Path],
    labels: Path | None = None,
    texts: Path | None = None,
    extra: Sequence[Example] = (),
) -> list[Example]:
    """Every labelled post: posts files, then labels joined with texts, then ``extra``."""
    groups: list[list[Example]] = [load_posts(path) for path in posts]
    added = load_labels(labels) if labels else []
    if labels and added:
        if texts is None:
            raise BadArgument(
                f"{labels}: {len(added)} label(s) need their posts' text: pass --fetch-texts "
                "to fetch it from the target by id (cached in .wikibot/cache/), or --texts "
                "FILE with the posts"
            )
        texts_by_key = load_texts(texts, {x.key for x in added})
        groups.append(join(added, texts_by_key, source=labels.name))
    groups.append(list(extra))
    examples = merge(*groups)
    if not examples:
        raise BadArgument(
            "no labelled posts: pass --posts FILE, or --labels FILE with --texts FILE or "
            "--fetch-texts"
        )
    return examples
