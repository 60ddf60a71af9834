"""The bot's memory: one SQLite file (WAL), one transaction per step, a store per table.

``State`` opens the file (``database.py``; ``schema.py`` creates and migrates the tables)
and hands out the stores. Tables, and who writes them:

- ``meta`` (``state.meta``): cursors and markers: the wiki sync, the reply jobs, the daemon;
  the target this file belongs to (``State.claim_target``);
- ``pages`` (``state.pages``): per wiki page, last synced revision, text and hash, newest
  revision seen, settings applied: the wiki sync and ``state restore``;
- ``posts`` (``state.posts``): each post the reply watcher decided on, reply intents and
  comment ids: the reply watcher, summons and ``state restore``;
- ``optout`` (``state.optout``): users never answered: feedback, ``replies optout``;
- ``alerts`` (``state.alerts``): moderator alerts sent, one per revision: the wiki sync;
- ``runs`` (``state.runs``): the daemon's job runs and errors: the scheduler;
- ``label_events``, ``feedback``: label events and the comments acted on (``bot/labels.py``);
  ``labels``: wikibot 0.1's labels, copied into ``label_events`` once;
- ``writes``: the moderator loop's exactly-once writes (``bot/journal.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import EXIT_USAGE, StateError
from bot.records import Target
from bot.state.alerts import AlertRow, AlertStore
from bot.state.database import Database, StateCorrupt, is_corruption
from bot.state.meta import MetaStore
from bot.state.optout import OptOutStore
from bot.state.pages import PageRecord, PageStore, content_hash
from bot.state.posts import ANSWERED, DECIDED, PostRow, PostStatus, PostStore
from bot.state.runs import RUNS_KEPT, RunRow, RunStore

__all__ = [
    "ANSWERED",
    "DECIDED",
    "RUNS_KEPT",
    "AlertRow",
    "Database",
    "PageRecord",
    "PostRow",
    "PostStatus",
    "RunRow",
    "State",
    "StateCorrupt",
    "TargetMismatch",
    "content_hash",
    "is_corruption",
]
_TARGET_KEYS = ("target_api_url", "target_subreddit", "target_account")


class TargetMismatch(StateError):
    """The state database was made for another Reddit, subreddit or account."""

    exit_code = EXIT_USAGE


class State:
    """One state file: its connection, the target it belongs to, and a store per table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = Database(path)
        self.meta = MetaStore(self.db)
        self.pages = PageStore(self.db)
        self.posts = PostStore(self.db)
        self.optout = OptOutStore(self.db)
        self.alerts = AlertStore(self.db)
        self.runs = RunStore(self.db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic step: everything inside commits together or not at all."""
        with self.db.transaction() as db:
            yield db

    def target(self) -> Target | None:
        """The Reddit this state belongs to, or None when none is recorded yet."""
        api_url, subreddit, account = (self.meta.get(key) for key in _TARGET_KEYS)
        if api_url is None or subreddit is None:
            return None
        return Target(api_url=api_url, subreddit=subreddit, account=account or None)

    def claim_target(self, target: Target, *, aliases: tuple[Target, ...] = ()) -> None:
        """Record ``target`` on first use; refuse a state made for another one.

        A state recorded under one of ``aliases`` (an older name of the same target) is
        re-recorded under ``target``.
        """
        with self.transaction() as db:
            recorded = self.target()
            if recorded is None or (recorded != target and recorded in aliases):
                values = (target.api_url, target.subreddit, target.account or "")
                for key, value in zip(_TARGET_KEYS, values, strict=True):
                    self.meta.set(key, value, db=db)
                return
        if recorded != target:
            raise TargetMismatch(
                f"{self.path}: this state belongs to {recorded}, but the configuration "
                f"targets {target}; leave state_db unset (the default is one file per "
                "target) or point it at another file"
            )
