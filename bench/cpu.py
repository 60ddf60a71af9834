"""CPU time of planning, diffing and classifying: the median of repeats (min-max beside
it) and the ratio to a reference computation (sha256, difflib, a tokeniser) on the same
input in the same run."""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.world import REPO, page_text
from bot.replies.classify import classify
from bot.replies.rules import load_rules
from bot.wiki.diff import unified_diff
from bot.wiki.plan import LocalPage, RemotePage, SyncedPage, build_plan

POSTS_DATASET = REPO / "bench" / "data" / "posts.jsonl"


def timed(action: Callable[[], object], *, repeats: int) -> dict[str, float]:
    """CPU seconds of ``action``: median, min and max of ``repeats`` runs."""
    samples = []
    for _ in range(repeats):
        started = time.process_time()
        action()
        samples.append(time.process_time() - started)
    return {
        "median": round(statistics.median(samples), 4),
        "min": round(min(samples), 4),
        "max": round(max(samples), 4),
    }


def timing_row(
    action: Callable[[], object], reference: Callable[[], object], *, repeats: int
) -> dict[str, Any]:
    """``action``'s CPU time beside ``reference``'s on the same input."""
    ours = timed(action, repeats=repeats)
    ref = timed(reference, repeats=repeats)
    return {
        "cpu_seconds": ours["median"],
        "min": ours["min"],
        "max": ours["max"],
        "reference_seconds": ref["median"],
        "ratio_to_reference": round(ours["median"] / max(ref["median"], 1e-9), 2),
        "repeats": repeats,
    }


def _changed_plan_inputs(
    pages: int, chars: int
) -> tuple[dict[str, LocalPage], dict[str, RemotePage], dict[str, SyncedPage]]:
    local, remote, synced = {}, {}, {}
    for i in range(pages):
        name = f"p{i}"
        before = page_text(i, chars)
        lines = before.splitlines(keepends=True)
        lines[len(lines) // 2] = f"A changed line in page {i}.\n"
        local[name] = LocalPage(name, "".join(lines), path=f"{name}.md")
        synced[name] = SyncedPage(name, f"r{i}", before, True, 0)
        remote[name] = RemotePage(name, f"r{i}")
    return local, remote, synced


def plan_timings(*, repeats: int) -> dict[str, Any]:
    """The planning targets of issue 12, each against difflib or sha256 on the same input."""
    results: dict[str, Any] = {}

    texts = [page_text(i, 100_000) for i in range(1000)]
    hashes = {f"p{i}": hashlib.sha256(t.encode()).hexdigest() for i, t in enumerate(texts)}

    def unchanged() -> None:
        local = {f"p{i}": LocalPage(f"p{i}", t) for i, t in enumerate(texts)}
        synced = {n: SyncedPage(n, "r", None, content_hash=h) for n, h in hashes.items()}
        remote = {n: RemotePage(n, "r") for n in local}
        build_plan(local=local, remote=remote, synced=synced)

    def hash_only() -> None:
        for text in texts:
            hashlib.sha256(text.encode()).hexdigest()

    results["plan_1000x100kb_unchanged"] = timing_row(unchanged, hash_only, repeats=repeats)

    big = page_text(7, 512_000)
    lines = big.splitlines(keepends=True)
    rng = random.Random(512)
    for _ in range(20):  # a human's edit: 20 places changed, a paragraph added, one removed
        lines[rng.randrange(len(lines))] = "A human changed this line.\n"
    lines[len(lines) // 2 : len(lines) // 2] = ["A new paragraph.\n", "\n"] * 5
    del lines[len(lines) // 4 : len(lines) // 4 + 8]
    big_after = "".join(lines)
    results["diff_512kb"] = timing_row(
        lambda: unified_diff(big, big_after, before_name="a", after_name="b"),
        lambda: list(difflib.unified_diff(big.splitlines(True), big_after.splitlines(True))),
        repeats=repeats,
    )

    local, remote, synced = _changed_plan_inputs(50, 100_000)

    def reference_50() -> None:
        for name, page in local.items():
            before = synced[name].content or ""
            list(difflib.unified_diff(before.splitlines(True), page.content.splitlines(True)))

    results["plan_50x100kb"] = {
        **timing_row(
            lambda: build_plan(local=local, remote=remote, synced=synced),
            reference_50,
            repeats=repeats,
        ),
        "pages": 50,
        "page_chars": 100_000,
    }
    return results


def classifier_throughput(*, repeats: int) -> dict[str, Any]:
    """Posts per second on the fixed dataset, as the watcher classifies them (sentence
    encoder included) and for the n-gram stage alone (vectors computed beforehand); the
    reference lower-cases and tokenises."""
    rules = load_rules(REPO / "config" / "replies.yaml")
    posts = [json.loads(line) for line in POSTS_DATASET.read_text().splitlines() if line]
    assert rules.model is not None
    model = rules.model
    vectors = [model.embed(post["title"], post["body"]) for post in posts]  # loads the encoder

    def run() -> None:
        for post in posts:
            classify(title=post["title"], body=post["body"], rules=rules, explain=False)

    def ngrams() -> None:
        for post, vector in zip(posts, vectors, strict=True):
            classify(
                title=post["title"], body=post["body"], rules=rules, explain=False, vector=vector
            )

    def reference() -> None:
        for post in posts:
            re.findall(r"\w+", f"{post['title']}\n{post['body']}".lower())

    row = timing_row(run, reference, repeats=min(repeats, 3))
    stage = timed(ngrams, repeats=repeats)
    return {
        **row,
        "posts_per_second": round(len(posts) / max(row["cpu_seconds"], 1e-9)),
        "ngram_stage_posts_per_second": round(len(posts) / max(stage["median"], 1e-9)),
        "posts": len(posts),
        "dataset": str(POSTS_DATASET.relative_to(REPO)),
    }
