"""The benchmark's world: a memory-only sandbox, a config and wikibot's objects in a
temporary folder, seeded pages and posts, and a virtual clock the load rows run on."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from bot.config import Settings, load_settings
from bot.reddit import Gateway
from bot.sandbox.server import RATE_WINDOW, SandboxServer
from bot.state import State
from bot.wiki.sync import WikiSync
from bot.wiki.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
WORDS = [
    *("machine", "learning", "model", "data", "train", "test", "linear", "algebra"),
    *("probability", "statistics", "gradient", "descent", "neural", "network", "python"),
    *("notebook", "feature", "label", "loss", "epoch"),
]
GETTING_STARTED = (
    "I'm 16 and want to get into machine learning. Where do I start?",
    "How do I get into machine learning? Complete beginner here.",
)
OTHER_POSTS = (
    ("Loss becomes NaN after a few epochs with Adam", "Learning rate 1e-3, batch 64."),
    ("Weekly thread: what are you reading?", "Share papers."),
    ("Built a tiny autograd engine [project]", "Code on GitHub."),
)
# Posts the shipped model is unsure about (in the review band): one in twelve of the load.
UNSURE_POSTS = (
    ("Should I learn statistics before machine learning?", "I'm new to this."),
    ("Do I need a GPU to learn machine learning?", "I only have a laptop."),
)
READER_COMMENT = "Thanks, this helped."


def page_text(index: int, chars: int) -> str:
    """Seeded Markdown of about ``chars`` characters, different for every page."""
    rng = random.Random(index)
    lines = [f"# Page {index}\n", "\n"]
    size = sum(map(len, lines))
    while size < chars:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 16)))
        line = f"{line.capitalize()} ({index}.{len(lines)}).\n"
        lines.append(line)
        size += len(line)
    return "".join(lines)


def post_text(index: int) -> tuple[str, str]:
    """The ``index``-th post's title and body: 1 in 6 asks how to start, 1 in 12 is unsure."""
    if index % 6 == 0:
        title = GETTING_STARTED[(index // 6) % len(GETTING_STARTED)]
        return title, "Where do I start, and what should I learn first?"
    if index % 12 == 3:
        return UNSURE_POSTS[(index // 12) % len(UNSURE_POSTS)]
    return OTHER_POSTS[index % len(OTHER_POSTS)]


def api_calls(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request-log entries that are API calls (token requests excluded)."""
    return [e for e in entries if e["path"] != "/api/v1/access_token"]


def cli_environ() -> dict[str, str]:
    """The environment of a ``wikibot`` process the benchmark starts: the caller's, without
    WIKIBOT_*/REDDIT_* variables, so that only the benchmark's config picks the target."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("WIKIBOT_", "REDDIT_"))}


# --- virtual time ----------------------------------------------------------------------------


@dataclass
class VirtualClock:
    """Seconds since the epoch that move only when told to (or when the pacer sleeps)."""

    # Starts at the beginning of a rate-limit window: a burst then meets a full window's
    # limit (the hardest case for the 429 row), and every run gives the same figures.
    now: float = field(default_factory=lambda: time.time() // RATE_WINDOW * RATE_WINDOW)
    slept: float = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


@contextmanager
def virtual_time(clock: VirtualClock) -> Iterator[None]:
    """``time.time`` reads ``clock`` (in the bot and in the in-process sandbox)."""
    with mock.patch.object(time, "time", clock.time):
        yield


# --- a sandbox, a config and the bot's objects in a temporary folder -----------------------


class Bench:
    """A sandbox (memory only) plus wikibot's settings, gateway, state and sync."""

    def __init__(
        self,
        pages: int,
        *,
        page_chars: int = 2_700,
        clock: VirtualClock | None = None,
        custom_settings_every: int = 0,
    ) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="wikibot-bench-"))
        self.clock = clock
        self.server = SandboxServer(state_file=None, port=0).start()
        self.pages_dir = self.tmp / "wiki_pages"
        self.pages_dir.mkdir()
        for i in range(pages):
            front = "---\ntitle: Page {i}\n"
            if custom_settings_every and i % custom_settings_every == 0:
                front += "permlevel: 2\n"
            (self.pages_dir / f"page{i:04d}.md").write_text(
                front.format(i=i) + "---\n" + page_text(i, page_chars)
            )
        config = {
            "target": "sandbox",
            "state_db": str(self.tmp / "state.db"),
            "wiki_pages_dir": str(self.pages_dir),
            "sandbox": {"port": self.server.port, "state_file": str(self.tmp / "sandbox.json")},
            "replies": {
                "rules_file": str(REPO / "config" / "replies.yaml"),
                "review": "report",  # uncertain posts go to the mod queue (10 a day)
            },
        }
        self.config_path = self.tmp / "bot.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.settings: Settings = load_settings(self.config_path, environ={})
        self.gateway = Gateway(self.settings)
        self.pace(self.gateway)
        self.state = State(self.settings.state_db)
        self.wiki = WikiSync(self.settings, self.gateway, self.state)

    def pace(self, gateway: Gateway) -> None:
        """Let the gateway's pacer read and sleep on the virtual clock."""
        if self.clock is not None:
            gateway.session.pacer.clock = self.clock.time
            gateway.session.pacer.sleep = self.clock.sleep

    @property
    def log(self) -> list[dict[str, Any]]:
        return self.server.app.log.entries

    def calls(self, action: Callable[[], object]) -> int:
        """API calls that ``action`` makes."""
        start = len(self.log)
        action()
        return len(api_calls(self.log[start:]))

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
        for path in sorted(self.pages_dir.glob("*.md"))[:count]:
            path.write_text(path.read_text() + f"\nEdited at {time.time()}.\n")

    def seed_wiki_from_files(self) -> None:
        """The wiki already holds every page (a moderator's wiki before wikibot)."""
        store = self.server.app.store
        for name, page in load_workspace(self.settings).local.items():
            store.edit_page(page=name, content=page.content, author="alice_mod", reason="old")

    def seed_posts(self, count: int, *, over_seconds: float) -> None:
        """``count`` posts spread over the last ``over_seconds`` (1 in 6 getting-started)."""
        store = self.server.app.store
        now = time.time()
        for i in range(count):
            title, body = post_text(i)
            created = now - over_seconds + (i + 1) * over_seconds / (count + 1)
            store.add_post(author=f"user{i}", title=title, body=body, created_utc=created)

    def close(self) -> None:
        self.state.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
