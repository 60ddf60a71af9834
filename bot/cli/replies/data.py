"""The labelled data ``replies train`` and ``replies eval`` read: their options, the posts
and labels they name, and the posts' sentence vectors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, F
from bot.cli.progress import counter

if TYPE_CHECKING:  # imported lazily at run time: --help and the daemon load no learning code
    import numpy as np

    from bot.learning.dataset import Example

# What bot/learning/dataset.py reads.
FORMAT_HELP = (
    "one JSON object a line: key, intent (getting_started|other), audience "
    "(highschool|engineers|researchers|hackers|index, or none when intent is other), "
    "confidence (clear|borderline, default clear); title and body unless the file holds "
    "labels only"
)

DATA_HELP = f"""Labelled data. JSONL, {FORMAT_HELP}.

\b
Defaults, relative to the project folder (the parent of the config folder):
  --posts  ../shared/eval/train.jsonl and ../shared/eval/dev.jsonl
  --labels data/labels.jsonl (labels only, no post text)
  --texts  ../shared/eval/pool.jsonl (the text of the posts in --labels)
plus the moderators' and feedback labels in the state database. Without the text files,
--fetch-texts reads the text of the posts in --labels from the target by id (cached in
.wikibot/cache/; removed and deleted posts are counted and skipped).
"""


def data_options(func: F) -> F:
    """Options naming the labelled data, shared by ``train`` and ``eval``."""
    path = click.Path(dir_okay=False, path_type=Path)
    for option in reversed(
        (
            click.option(
                "--posts", "posts", multiple=True, type=path, help="Posts with labels (repeat)."
            ),
            click.option("--labels", type=path, help="Labels without text ('' for none)."),
            click.option("--texts", type=path, help="Posts file holding the text of --labels."),
            click.option(
                "--fetch-texts",
                is_flag=True,
                help="Fetch the text of --labels' posts from the target by id (cached).",
            ),
            click.option(
                "--state-labels/--no-state-labels",
                default=True,
                show_default=True,
                help="Include moderators' and feedback labels from the state database.",
            ),
        )
    ):
        func = option(func)
    return func


def load_examples(
    app: App,
    *,
    posts: tuple[Path, ...],
    labels: Path | None,
    texts: Path | None,
    state_labels: bool,
    fetch_texts: bool = False,
) -> list[Example]:
    """Every labelled post the data options name (defaults in ``DATA_HELP``)."""
    from bot.learning.dataset import load_corpus

    if fetch_texts and texts is not None:
        raise click.BadParameter("give either --texts FILE or --fetch-texts", param_hint="--texts")
    root = app.settings.config_file.resolve().parent.parent
    shared = root.parent / "shared" / "eval"
    if not posts:
        posts = tuple(p for p in (shared / "train.jsonl", shared / "dev.jsonl") if p.exists())
    labels_file = root / "data" / "labels.jsonl" if labels is None else labels
    given = labels_file if str(labels_file) not in ("", ".") else None
    extra = _state_labels(app) if state_labels else []
    if fetch_texts:
        fetched = _fetched_labels(app, given) if given else []
        return load_corpus(posts=posts, extra=[*fetched, *extra])
    if texts is None and (shared / "pool.jsonl").exists():
        texts = shared / "pool.jsonl"
    return load_corpus(posts=posts, labels=given, texts=texts, extra=extra)


def _fetched_labels(app: App, labels_file: Path) -> list[Example]:
    """The labels of ``labels_file`` joined with their posts' text, fetched by id."""
    from bot.learning.dataset import join, load_labels
    from bot.learning.fetch import fetch_texts
    from bot.runtime import Runtime

    labels = load_labels(labels_file)
    if not labels:
        return []
    with Runtime(app.settings) as runtime:
        runtime.start_sandbox()
        fetched = fetch_texts(
            {label.key for label in labels},
            gateway=runtime.gateway,
            cache_dir=app.settings.state_db.parent / "cache",
            progress=counter(app, lambda done, total: f"fetching post texts: {done}/{total}"),
        )
    click.echo(
        f"{labels_file}: the text of {len(fetched.texts)} of {len(labels)} labelled post(s) "
        f"from r/{app.settings.subreddit} ({fetched.fetched} fetched, {fetched.cached} "
        f"cached); skipped {fetched.removed} removed or deleted and {fetched.missing} not "
        "found",
        err=True,
    )
    kept = [label for label in labels if label.key in fetched.texts]
    return join(kept, fetched.texts, source=labels_file.name)


def _state_labels(app: App) -> list[Example]:
    """The label in force of every post labelled in the state (moderators, summons,
    feedback), with the text read when it was labelled."""
    from bot.labels import LabelBook
    from bot.learning.dataset import Example
    from bot.state import State

    if not app.settings.state_db.exists():
        return []
    state = State(app.settings.state_db)
    try:
        records = LabelBook(state).all()
    finally:
        state.close()
    return [
        Example(
            key=r.key,
            title=r.title,
            body=r.body,
            intent=r.is_getting_started,
            audience=r.audience,
            source=r.source,
        )
        for r in records
        if r.title  # a label whose post could not be read teaches nothing
    ]


def sentence_vectors(app: App, examples: list[Example]) -> np.ndarray:
    """The examples' sentence vectors, cached beside the state database."""
    from bot.learning.vectors import post_vectors
    from bot.replies.encoder import DEFAULT_SPEC

    cache = app.settings.state_db.parent / "cache"
    shown = counter(app, lambda done, total: f"encoding posts: {done}/{total}")
    return post_vectors(examples, spec=DEFAULT_SPEC, cache=cache, progress=shown)
