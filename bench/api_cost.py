"""API cost of wiki sync and of an idle reply poll: requests in the sandbox's request log
per sync cycle (idle, k pages changed, a first push) beside a naive sync."""

from __future__ import annotations

import math

from bench.world import Bench, VirtualClock, api_calls, virtual_time
from bot.replies.rules import load_rules
from bot.replies.watch import ReplyWatcher


def sync_costs(pages: int, *, naive: bool = True) -> dict[str, int]:
    """First push, idle cycle and k changed pages, with the naive sync beside them."""
    clock = VirtualClock()
    with virtual_time(clock):
        bench = Bench(pages, clock=clock)
        try:
            result = {"first_push": bench.calls(bench.sync), "idle": bench.calls(bench.sync)}
            if naive:
                result["naive_idle"] = bench.calls(bench.naive_sync)
            for k in (1, 5):
                bench.change(k)
                result[f"k{k}"] = bench.calls(bench.sync)
                if naive:
                    bench.change(k)
                    result[f"naive_k{k}"] = bench.calls(bench.naive_sync)
                    bench.sync()  # record the naive edits as synced again
            return result
        finally:
            bench.close()


def first_push_cost(pages: int = 200, *, custom_settings_every: int = 10) -> dict[str, int]:
    """A first push of ``pages`` pages; every ``custom_settings_every``-th has permlevel 2."""
    clock = VirtualClock()
    with virtual_time(clock):
        bench = Bench(pages, clock=clock, custom_settings_every=custom_settings_every)
        try:
            start = len(bench.log)
            bench.sync()
            calls = api_calls(bench.log[start:])
            settings = sum(1 for c in calls if "/wiki/settings/" in c["path"])
            custom = math.ceil(pages / custom_settings_every)
            return {
                "pages": pages,
                "calls": len(calls) - settings,
                "limit": pages + math.ceil(pages / 100) + 1,
                "settings_writes": settings,
                "pages_with_custom_settings": custom,
                "idle_after": bench.calls(bench.sync),
            }
        finally:
            bench.close()


def reply_poll_cost() -> int:
    """API calls of a reply poll with nothing new (after a first pass over seeded posts)."""
    bench = Bench(0)
    try:
        watcher = ReplyWatcher(
            bench.settings,
            bench.gateway,
            bench.state,
            load_rules(bench.settings.replies.rules_file),
        )
        watcher.scan()  # first pass handles the seeded posts
        return bench.calls(watcher.scan)
    finally:
        bench.close()
