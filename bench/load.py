"""Load: the real daemon's jobs (``Daemon.jobs``) run at their scheduled times on a virtual
clock, with users posting, commenting and editing in between; requests per minute against
Reddit's budget, and a backfill after an outage (no HTTP 429, each page read once).

``time.time`` reads the virtual clock (in the bot and in the sandbox) and the gateway's pacer
sleeps on it, so the figures are requests per scheduled job run, summed over virtual
minutes: the wall clock cannot change them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from bench.world import (
    READER_COMMENT,
    UNSURE_POSTS,
    Bench,
    VirtualClock,
    api_calls,
    post_text,
    virtual_time,
)
from bot.runtime import Runtime
from bot.sandbox.server import RATE_LIMIT, RATE_WINDOW
from bot.scheduler import Daemon

BUDGET_PER_MINUTE = 100  # Reddit's: 1,000 requests per 10-minute window


@dataclass
class Load:
    """What happens between job runs."""

    posts_per_hour: float = 0.0
    local_edits_per_hour: float = 0.0  # a guide change merged in git, pushed by the bot
    wiki_edits_per_hour: float = 0.0  # a person edits a page on the wiki (drift, left as is)
    comments_per_hour: float = 0.0  # readers commenting on recent posts (the comment stream)
    summons_per_hour: float = 0.0  # a moderator's !guide on the newest uncertain post


BUSY = Load(
    posts_per_hour=60,
    local_edits_per_hour=1,
    wiki_edits_per_hour=1,
    comments_per_hour=120,
    summons_per_hour=1,
)


def run_schedule(
    bench: Bench, daemon: Daemon, *, minutes: float, load: Load
) -> list[tuple[float, str, int]]:
    """Run each job at its scheduled virtual times; (time, job, API calls) per run."""
    clock = bench.clock
    assert clock is not None
    start = clock.now
    next_run = {job.name: start for job in daemon.jobs}
    next_post = start + _every(load.posts_per_hour)
    next_local = start + _every(load.local_edits_per_hour)
    next_wiki = start + _every(load.wiki_edits_per_hour) / 2
    next_comment = start + _every(load.comments_per_hour)
    next_summon = start + _every(load.summons_per_hour) / 2
    runs: list[tuple[float, str, int]] = []
    posted = wiki_edits = 0
    store = bench.server.app.store
    end = start + minutes * 60
    while True:
        job = min(daemon.jobs, key=lambda j: next_run[j.name])
        when = next_run[job.name]
        if when >= end:
            return runs
        while next_post <= when:  # users post in between
            clock.now = next_post
            title, body = post_text(posted)
            store.add_post(author=f"user{posted}", title=title, body=body)
            posted += 1
            next_post += _every(load.posts_per_hour)
        while next_comment <= when:  # readers comment on the newest posts
            clock.now = next_comment
            newest = store.posts_newest_first(include_removed=False)[: 1 + posted % 5]
            store.add_comment(parent=f"t3_{newest[-1]['id']}", author="reader", body=READER_COMMENT)
            next_comment += _every(load.comments_per_hour)
        if next_summon <= when:  # a moderator answers the newest uncertain post
            unsure = {title for title, _ in UNSURE_POSTS}
            posts = store.posts_newest_first(include_removed=False)
            target = next((p for p in posts if p["title"] in unsure), None)
            if target is not None:
                store.add_comment(parent=f"t3_{target['id']}", author="alice_mod", body="!guide")
            next_summon += _every(load.summons_per_hour)
        if next_local <= when:
            bench.change(1)
            next_local += _every(load.local_edits_per_hour)
        if next_wiki <= when:  # on another page than the local edits
            wiki_edits += 1
            _person_edits_wiki(bench, wiki_edits)
            next_wiki += _every(load.wiki_edits_per_hour)
        clock.now = max(clock.now, when)
        calls = bench.calls(job.run)
        runs.append((when, job.name, calls))
        next_run[job.name] = max(when + job.interval, clock.now)  # a paced run ran long


def _person_edits_wiki(bench: Bench, number: int) -> None:
    """A person adds a line to a page on the wiki (another page than the local edits)."""
    store = bench.server.app.store
    page = store.page_names()[number % len(store.page_names()) or 1]
    current = store.revision(page, None)
    assert current is not None, f"the sandbox has no page {page}"
    text = current["content"] + f"A person's line {number}.\n"
    store.edit_page(page=page, content=text, author="alice_mod", reason="by hand")


def _every(per_hour: float) -> float:
    return 3600 / per_hour if per_hour else math.inf


def steady_state(*, minutes: float, load: Load, pages: int = 5) -> dict[str, Any]:
    """Requests per minute of the daemon at default intervals, on virtual time."""
    clock = VirtualClock()
    with virtual_time(clock):
        bench = Bench(pages, clock=clock)
        try:
            with Runtime(bench.settings) as runtime:
                bench.pace(runtime.gateway)
                daemon = Daemon(bench.settings, runtime)
                daemon.run_once()  # publish and answer the seeded posts first
                start = len(bench.log)
                runs = run_schedule(bench, daemon, minutes=minutes, load=load)
                entries = bench.log[start:]
                replies = sum(1 for e in entries if e["path"] == "/api/comment")
            calls = len(api_calls(entries))
            per_minute = calls / minutes
            stream = f"/r/{bench.settings.subreddit}/comments"
            return {
                "requests_per_minute": round(per_minute, 2),
                "budget_share": round(per_minute / BUDGET_PER_MINUTE, 4),
                "virtual_minutes": minutes,
                "job_runs": len(runs),
                "replies": replies,
                "reports": sum(1 for e in entries if e["path"] == "/api/report"),
                "comment_stream_calls": sum(1 for e in entries if e["path"] == stream),
                "http_429": sum(1 for e in entries if e["status"] == 429),
            }
        finally:
            bench.close()


def backfill(*, pages: int = 1000, posts: int = 1000, minutes: float = 30.0) -> dict[str, Any]:
    """After a day's outage: posts waiting and a first sync of a large existing wiki."""
    clock = VirtualClock()
    with virtual_time(clock):
        bench = Bench(pages, clock=clock)
        try:
            bench.seed_wiki_from_files()
            bench.seed_posts(posts, over_seconds=86_400)
            with Runtime(bench.settings) as runtime:
                bench.pace(runtime.gateway)
                daemon = Daemon(bench.settings, runtime)
                start = len(bench.log)
                runs = run_schedule(bench, daemon, minutes=minutes, load=Load())
                entries = bench.log[start:]
            calls = api_calls(entries)
            windows: dict[int, int] = {}
            for entry in calls:
                window = int(entry["t"] // RATE_WINDOW)
                windows[window] = windows.get(window, 0) + 1
            page_reads = [
                c["path"] for c in calls if re.fullmatch(r"/r/[^/]+/wiki/page\d+", c["path"])
            ]
            first_sync = next(c for _, job, c in runs if job == "sync")
            return {
                "pages": pages,
                "posts_waiting": posts,
                "requests": len(calls),
                "first_sync_calls": first_sync,
                "pages_read": len(page_reads),
                "pages_read_twice": len(page_reads) - len(set(page_reads)),
                "busiest_window": max(windows.values()),
                "window_limit": RATE_LIMIT,
                "paced_seconds": round(clock.slept),
                "virtual_minutes": minutes,
                "http_429": sum(1 for e in entries if e["status"] == 429),
            }
        finally:
            bench.close()
