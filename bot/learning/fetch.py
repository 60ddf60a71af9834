"""The text of labelled posts, fetched by id from the target (``replies train --fetch-texts``).

The project keeps labels as post ids only. This reads each post once through the gateway
(``/api/info``, 100 ids a call, paced by the gateway on Reddit's rate-limit headers) into a
cache under ``.wikibot/cache/`` (one file per target, never committed), so a rerun costs
nothing. Posts that were removed or deleted, or that the target does not know, are counted
and skipped: their text is gone or was never public.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.fileio import atomic_write_text
from bot.learning.dataset import PostText
from bot.records import bare_id, post_fullname
from bot.reddit import Gateway

BATCH = 100  # ids per /api/info call


@dataclass
class FetchedTexts:
    """Texts by key (``t3_...``), in the shape ``load_texts`` gives for ``--texts``."""

    texts: dict[str, PostText] = field(default_factory=dict)
    removed: int = 0  # removed by moderators or deleted by their authors
    missing: int = 0  # not found on the target
    fetched: int = 0  # read from the target in this run
    cached: int = 0  # known from an earlier run


def cache_file(cache_dir: Path, *, api_url: str, subreddit: str) -> Path:
    """One cache per target: a sandbox post and a Reddit post may share an id."""
    target = hashlib.sha256(f"{api_url}|{subreddit.lower()}".encode()).hexdigest()[:12]
    return cache_dir / f"post-texts-{target}.jsonl"


def fetch_texts(
    keys: set[str],
    *,
    gateway: Gateway,
    cache_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> FetchedTexts:
    """Title, body and subreddit of the posts in ``keys``, from the cache or the target."""
    target = gateway.target()
    path = cache_file(cache_dir, api_url=target.api_url, subreddit=target.subreddit)
    cache = _read_cache(path)
    result = FetchedTexts()
    wanted = sorted(key for key in keys if key not in cache)
    result.cached = len(keys) - len(wanted)
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        posts = gateway.posts_by_id([bare_id(key) for key in batch])
        for key in batch:
            post = posts.get(bare_id(key))
            if post is None:
                cache[key] = {"status": "missing"}
            elif post.removed or post.author is None:
                cache[key] = {"status": "removed"}
            else:
                cache[key] = {
                    "status": "ok",
                    "title": post.title,
                    "body": post.body,
                    "sub": post.subreddit,
                }
        result.fetched += len(batch)
        _write_cache(path, cache)  # a long fetch interrupted keeps what it read
        if progress is not None:
            progress(min(start + BATCH, len(wanted)), len(wanted))
    for key in keys:
        entry = cache[key]
        if entry["status"] == "ok":
            result.texts[key] = (entry["title"], entry["body"], entry["sub"])
        elif entry["status"] == "removed":
            result.removed += 1
        else:
            result.missing += 1
    return result


def _read_cache(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    cache: dict[str, dict[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a damaged line is read again from the target
        if isinstance(row, dict) and isinstance(row.get("key"), str):
            cache[post_fullname(row.pop("key"))] = row
    return cache


def _write_cache(path: Path, cache: dict[str, dict[str, str]]) -> None:
    lines = [json.dumps({"key": key, **entry}) for key, entry in sorted(cache.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines) + "\n")
