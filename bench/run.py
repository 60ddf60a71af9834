"""wikibot benchmark: API cost and speed, measured against the sandbox's request log.

    python bench/run.py            # prints a table
    python bench/run.py --json     # one JSON object

Every API figure counts requests in the sandbox's request log (token requests excluded).
The "naive" column is a sync that reads every page each cycle (list + one read per page).
Steady-state load runs the real daemon on a schedule sped up by --speedup and scales the
count back to real minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings, load_settings  # noqa: E402
from bot.reddit import Gateway  # noqa: E402
from bot.replies.classify import classify, load_rules  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.sandbox.server import SandboxServer  # noqa: E402
from bot.scheduler import Daemon  # noqa: E402
from bot.state import State  # noqa: E402
from bot.wiki.plan import LocalPage, RemotePage, SyncedPage, build_plan  # noqa: E402
from bot.wiki.sync import WikiSync, load_workspace  # noqa: E402

BUDGET_PER_MINUTE = 100
PARAGRAPH = (
    "Machine learning is mathematics first and programming second. Study linear "
    "algebra, probability and statistics, then practise on real data. "
)


class Bench:
    """A sandbox plus a config in a temporary folder."""

    def __init__(self, pages: int) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="wikibot-bench-"))
        self.server = SandboxServer(state_file=self.tmp / "sandbox.json", port=0).start()
        pages_dir = self.tmp / "wiki_pages"
        pages_dir.mkdir()
        for i in range(pages):
            (pages_dir / f"page{i:02d}.md").write_text(
                f"---\ntitle: Page {i}\n---\n# Page {i}\n\n" + PARAGRAPH * 20 + "\n"
            )
        config = {
            "target": "sandbox",
            "state_db": str(self.tmp / "state.db"),
            "wiki_pages_dir": str(pages_dir),
            "sandbox": {"port": self.server.port, "state_file": str(self.tmp / "sandbox.json")},
            "replies": {"rules_file": str(REPO / "config" / "replies.yaml")},
        }
        (self.tmp / "bot.yaml").write_text(yaml.safe_dump(config))
        self.settings: Settings = load_settings(self.tmp / "bot.yaml", environ={})
        self.gateway = Gateway(self.settings)
        self.state = State(self.settings.state_db)
        self.wiki = WikiSync(self.settings, self.gateway, self.state)

    def calls(self, action: Any) -> int:
        start = len(self.server.app.log.entries)
        action()
        return sum(
            1 for e in self.server.app.log.entries[start:] if e["path"] != "/api/v1/access_token"
        )

    def sync(self) -> None:
        workspace = load_workspace(self.settings)
        self.wiki.push(self.wiki.plan(workspace), workspace)

    def naive_sync(self) -> None:
        """Read every page, then edit the ones that differ (no revision cursor)."""
        workspace = load_workspace(self.settings)
        self.gateway.list_pages()
        for name, page in workspace.local.items():
            remote = self.gateway.read_page(name)
            if remote is None or remote.content != page.content:
                self.gateway.edit_page(name, content=page.content, reason="naive", previous=None)

    def change(self, count: int) -> None:
        for path in sorted(self.settings.wiki_pages_dir.glob("*.md"))[:count]:
            path.write_text(path.read_text() + f"\nEdited at {time.time()}.\n")

    def close(self) -> None:
        self.state.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def sync_costs(pages: int) -> dict[str, int]:
    bench = Bench(pages)
    try:
        bench.sync()  # first publish
        result = {"idle": bench.calls(bench.sync), "naive_idle": bench.calls(bench.naive_sync)}
        for k in (1, 5):
            bench.change(k)
            result[f"k{k}"] = bench.calls(bench.sync)
            bench.change(k)
            result[f"naive_k{k}"] = bench.calls(bench.naive_sync)
            bench.sync()  # record the naive edits as synced again
        return result
    finally:
        bench.close()


def reply_poll_cost() -> int:
    bench = Bench(0)
    try:
        from bot.replies.watch import ReplyWatcher  # noqa: PLC0415

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


def steady_state(speedup: float, virtual_minutes: float) -> dict[str, float]:
    """Run the real daemon with intervals divided by ``speedup``; scale back."""
    bench = Bench(5)
    try:
        schedule = bench.settings.schedule
        fast = Settings(
            **{
                **bench.settings.__dict__,
                "schedule": type(schedule)(
                    **{
                        **schedule.__dict__,
                        "sync_interval": schedule.sync_interval / speedup,
                        "reply_interval": schedule.reply_interval / speedup,
                    }
                ),
            }
        )
        runtime = Runtime(fast)
        daemon = Daemon(fast, runtime)
        daemon.run_once()  # publish and answer the seeded posts first
        stop = threading.Event()
        start = len(bench.server.app.log.entries)
        seconds = virtual_minutes * 60 / speedup
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        daemon.serve(stop=stop)
        entries = bench.server.app.log.entries[start:]
        calls = sum(1 for e in entries if e["path"] != "/api/v1/access_token")
        runtime.__exit__(None, None, None)
        per_minute = calls / virtual_minutes
        return {
            "requests_per_minute": round(per_minute, 2),
            "budget_share": round(per_minute / BUDGET_PER_MINUTE, 4),
            "virtual_minutes": virtual_minutes,
            "http_429": sum(1 for e in bench.server.app.log.entries if e["status"] == 429),
        }
    finally:
        bench.close()


def classifier_throughput() -> dict[str, float]:
    rules = load_rules(REPO / "config" / "replies.yaml")
    dev = REPO.parent / "shared" / "eval" / "dev.jsonl"
    if dev.exists():
        posts = [json.loads(line) for line in dev.read_text().splitlines() if line.strip()]
    else:
        rng = random.Random(7)
        posts = [
            {"title": "How do I get into ML?", "body": PARAGRAPH * rng.randint(1, 20)}
            for _ in range(300)
        ]
    rounds = max(1, 3000 // len(posts))
    started = time.perf_counter()
    for _ in range(rounds):
        for post in posts:
            classify(title=post["title"], body=post.get("body") or "", rules=rules)
    elapsed = time.perf_counter() - started
    return {"posts_per_second": round(rounds * len(posts) / elapsed), "posts": rounds * len(posts)}


def plan_time(pages: int = 50, size: int = 100_000) -> dict[str, float]:
    """CPU seconds for build_plan over ``pages`` pages of ``size`` characters, all changed."""
    text = (PARAGRAPH * (size // len(PARAGRAPH) + 1))[:size]
    lines = text.replace(". ", ".\n")
    local = {
        f"p{i}": LocalPage(f"p{i}", lines + f"changed {i}\n", path=f"p{i}.md") for i in range(pages)
    }
    synced = {f"p{i}": SyncedPage(f"p{i}", f"r{i}", lines + "\n", True, 0) for i in range(pages)}
    remote = {f"p{i}": RemotePage(f"p{i}", f"r{i}") for i in range(pages)}
    started = time.process_time()
    plan = build_plan(local=local, remote=remote, synced=synced)
    elapsed = time.process_time() - started
    assert len(plan.of(*{a.kind for a in plan.actions})) == pages
    return {"cpu_seconds": round(elapsed, 3), "pages": pages, "page_chars": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--speedup", type=float, default=60.0, help="schedule speed-up for the steady-state run"
    )
    parser.add_argument(
        "--virtual-minutes",
        type=float,
        default=30.0,
        help="length of the steady-state run in real-schedule minutes",
    )
    args = parser.parse_args()
    results = {
        "sync_5_pages": sync_costs(5),
        "sync_50_pages": sync_costs(50),
        "reply_poll_idle": reply_poll_cost(),
        "steady_state": steady_state(args.speedup, args.virtual_minutes),
        "classifier": classifier_throughput(),
        "plan_50x100kb": plan_time(),
    }
    s5, s50 = results["sync_5_pages"], results["sync_50_pages"]
    results["goals"] = {
        "idle_sync_1_call": s5["idle"] == 1 and s50["idle"] == 1,
        "k_changed_at_most_k_plus_2": all(s[f"k{k}"] <= k + 2 for s in (s5, s50) for k in (1, 5)),
        "idle_reply_poll_1_call": results["reply_poll_idle"] == 1,
        "steady_state_under_10_percent": results["steady_state"]["budget_share"] < 0.10,
        "zero_429": results["steady_state"]["http_429"] == 0,
        "plan_under_1_second": results["plan_50x100kb"]["cpu_seconds"] < 1.0,
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0 if all(results["goals"].values()) else 1


def print_table(r: dict[str, Any]) -> None:
    s5, s50 = r["sync_5_pages"], r["sync_50_pages"]
    rows = [
        (
            "API calls, idle sync cycle",
            f"{s5['idle']}",
            f"{s50['idle']}",
            f"{s5['naive_idle']} / {s50['naive_idle']}",
            "1",
        ),
        (
            "API calls, 1 page changed",
            f"{s5['k1']}",
            f"{s50['k1']}",
            f"{s5['naive_k1']} / {s50['naive_k1']}",
            "<= 3",
        ),
        (
            "API calls, 5 pages changed",
            f"{s5['k5']}",
            f"{s50['k5']}",
            f"{s5['naive_k5']} / {s50['naive_k5']}",
            "<= 7",
        ),
    ]
    print(f"{'wiki sync':34}{'5 pages':>9}{'50 pages':>10}{'naive 5 / 50':>15}{'goal':>8}")
    for label, a, b, naive, goal in rows:
        print(f"{label:34}{a:>9}{b:>10}{naive:>15}{goal:>8}")
    steady = r["steady_state"]
    print()
    print(f"{'API calls, idle reply poll':34}{r['reply_poll_idle']:>9}{'':>25}{'1':>8}")
    print(
        f"{'daemon steady state, requests/min':34}{steady['requests_per_minute']:>9}"
        f"{'':>25}{'< 10':>8}"
    )
    print(f"{'  share of 100/min budget':34}{steady['budget_share']:>9.1%}{'':>25}{'< 10%':>8}")
    print(f"{'  HTTP 429 seen':34}{steady['http_429']:>9}{'':>25}{'0':>8}")
    print(f"{'classifier, posts/second':34}{r['classifier']['posts_per_second']:>9}")
    print(
        f"{'plan 50 pages x 100 KB, CPU s':34}{r['plan_50x100kb']['cpu_seconds']:>9}"
        f"{'':>25}{'< 1':>8}"
    )
    print()
    failed = [name for name, ok in r["goals"].items() if not ok]
    print("all goals met" if not failed else f"goals missed: {', '.join(failed)}")


if __name__ == "__main__":
    sys.exit(main())
