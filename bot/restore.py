"""``wikibot state restore``: the newest good backup in place of a damaged state database,
reconciled with Reddit so that nothing the bot did since the backup is done twice.

The restored copy is prepared beside the state and reconciled first; only then is the
damaged file moved aside (never deleted) and the copy moved in. A failure on the way
(Reddit unreachable, say) leaves everything as it was.

Reconciling:

- the bot's own comments since the backup become replied posts (no second reply, and the
  reply caps count them);
- the wiki's revisions since the backup's cursor update what was last seen of each page.
  The bot's own newest revision of a page becomes the sync base only when no one else
  edited the page in between (else Reddit may have merged a human's edit into it), or when
  the page file holds exactly that text. A human edit is never recorded as synced: the
  next plan shows it as drift or conflict;
- labels and opt-outs that can still be read from the damaged file are kept.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.backup import Backup, backups, integrity_problems
from bot.config import Settings
from bot.errors import BadArgument, InputError, StateError
from bot.labels import LabelBook, LabelEvent
from bot.records import POST_PREFIX, WikiRevision
from bot.reddit import Gateway
from bot.state import PostStatus, State
from bot.wiki.refresh import CURSOR_KEY, SEGMENT_LIMIT
from bot.wiki.render import normalize
from bot.wiki.workspace import load_workspace

CLOCK_MARGIN = 3600.0  # seconds: comments this much older than the backup are looked at too
_SIDE_FILES = ("", "-wal", "-shm")


@dataclass
class RestoreReport:
    """What a restore did (``state restore --json``)."""

    state_db: str
    backup: str
    backed_up_at: str
    damaged_kept_as: str | None = None
    damaged_backups: list[str] = field(default_factory=list)
    replies_found: int = 0
    pages_seen: list[str] = field(default_factory=list)
    pages_synced: list[str] = field(default_factory=list)
    full_refresh_next: bool = False
    labels_salvaged: int = 0
    optouts_salvaged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def newest_good_backup(state_db: Path) -> tuple[Backup, list[Backup]]:
    """The newest backup that passes the integrity check, and the damaged ones passed over."""
    damaged: list[Backup] = []
    for candidate in backups(state_db):
        if not integrity_problems(candidate.path):
            return candidate, damaged
        damaged.append(candidate)
    folder = state_db.parent / "backups"
    found = f"{len(damaged)} found, all damaged" if damaged else "none found"
    fresh = (
        f"move {state_db} away to start fresh"
        if state_db.exists()
        else f"there is no {state_db.name} either: wikibot starts a fresh one on its next run"
    )
    raise StateError(
        f"{folder}: no good backup of {state_db.name} ({found}); {fresh}: wikibot relearns "
        "the wiki and its replies from Reddit, but the labels and opt-outs only it held are "
        "lost"
    )


def restore_state(
    settings: Settings, gateway: Gateway, *, force: bool = False, now: float | None = None
) -> RestoreReport:
    """Restore the newest good backup over ``settings.state_db`` and reconcile it."""
    now = time.time() if now is None else now
    state_db = settings.state_db
    if state_db.exists() and not integrity_problems(state_db) and not force:
        raise BadArgument(
            f"{state_db}: passes the integrity check, nothing to restore; --force restores "
            "the newest backup anyway (this file is kept beside it)"
        )
    chosen, damaged = newest_good_backup(state_db)
    report = RestoreReport(
        state_db=str(state_db),
        backup=str(chosen.path),
        backed_up_at=datetime.fromtimestamp(chosen.taken_at, UTC).isoformat(),
        damaged_backups=[str(b.path) for b in damaged],
    )
    work = state_db.with_name(f"{state_db.name}.restoring")
    _remove(work)
    shutil.copyfile(chosen.path, work)
    try:
        restored = State(work)
        try:
            restored.claim_target(gateway.target(), aliases=gateway.target_aliases())
            _reconcile_replies(
                restored, gateway, since=chosen.taken_at - CLOCK_MARGIN, report=report
            )
            _reconcile_wiki(restored, gateway, settings, report=report)
            if state_db.exists():
                _salvage(state_db, restored, report=report)
        finally:
            restored.close()
        if state_db.exists():
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = state_db.with_name(f"{state_db.name}.damaged-{stamp}")
            _move(state_db, aside)
            report.damaged_kept_as = str(aside)
        _move(work, state_db)
    finally:
        _remove(work)
    return report


def _move(source: Path, target: Path) -> None:
    """Move a database with its WAL files (SQLite pairs them by name)."""
    for suffix in _SIDE_FILES:
        path = Path(f"{source}{suffix}")
        if path.exists():
            path.replace(Path(f"{target}{suffix}"))


def _remove(path: Path) -> None:
    for suffix in _SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _reconcile_replies(
    state: State, gateway: Gateway, *, since: float, report: RestoreReport
) -> None:
    """The bot's own replies to posts since the backup, recorded as replied."""
    for comment in gateway.own_comments_since(since):
        if comment.parent_id != f"{POST_PREFIX}{comment.post_id}":
            continue  # an answer inside a thread, not a reply to a post
        known = state.posts.get(comment.post_id)
        if known is not None and known.status == PostStatus.REPLIED:
            continue
        state.posts.record(
            post_id=comment.post_id,
            status=PostStatus.REPLIED,
            comment_id=comment.id,
            reason="reply found by state restore",
            title=comment.post_title,
            replied_at=comment.created_utc,
        )
        report.replies_found += 1


def _reconcile_wiki(
    state: State, gateway: Gateway, settings: Settings, *, report: RestoreReport
) -> None:
    """What the wiki's revisions since the backup's cursor tell about each page."""
    cursor = state.meta.get(CURSOR_KEY)
    if not cursor:
        return  # the backup never read the wiki: the next plan reads all of it
    revisions, reached = gateway.revisions(stop_at={cursor}, limit=SEGMENT_LIMIT)
    if not revisions:
        return
    me = gateway.username().lower()
    by_page: dict[str, list[WikiRevision]] = {}
    for revision in revisions:  # newest first
        by_page.setdefault(revision.page, []).append(revision)
    local = _local_texts(settings)
    synced: dict[str, tuple[WikiRevision, str]] = {}
    for name, history in by_page.items():
        ours = next((i for i, r in enumerate(history) if (r.author or "").lower() == me), None)
        if ours is None:
            continue
        mine = history[ours]
        page = gateway.read_page(name, revision=mine.id)
        if page is None:
            continue
        text = normalize(page.content)
        someone_else_before = any((r.author or "").lower() != me for r in history[ours + 1 :])
        if someone_else_before and local.get(name) != text:
            continue  # perhaps Reddit merged a human's edit into ours: a person decides
        synced[name] = (mine, text)
    with state.transaction() as db:
        for name, (mine, text) in synced.items():
            state.pages.record_synced(db, name, revision=mine.id, content=text, author=mine.author)
        for name, history in by_page.items():
            state.pages.record_seen(db, name, revision=history[0].id, author=history[0].author)
        # A cursor the listing did not reach: the next plan reads the whole wiki again.
        state.meta.set(CURSOR_KEY, revisions[0].id if reached else None, db=db)
    report.pages_seen = sorted(by_page)
    report.pages_synced = sorted(synced)
    report.full_refresh_next = not reached


def _local_texts(settings: Settings) -> dict[str, str]:
    """The page files' rendered texts; none when a file does not load (check reports it)."""
    try:
        workspace = load_workspace(settings)
    except InputError:
        return {}
    return {name: page.content for name, page in workspace.local.items()}


def _salvage(damaged: Path, restored: State, *, report: RestoreReport) -> None:
    """Labels and opt-outs newer than the backup, as far as the damaged file still reads."""
    events = [
        LabelEvent(*row)
        for row in _readable_rows(
            damaged,
            "SELECT key, intent, audience, source, who, at, title, body FROM label_events",
        )
    ]
    report.labels_salvaged = LabelBook(restored).keep(events) if events else 0
    for user, added_at in _readable_rows(damaged, "SELECT user, added_at FROM optout"):
        report.optouts_salvaged += restored.optout.add(str(user), added_at=float(added_at))


def _readable_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` read before any damage stops the reading (read-only)."""
    rows: list[tuple[Any, ...]] = []
    with contextlib.suppress(sqlite3.Error), _read_only(path) as db:
        for row in db.execute(sql):
            rows.append(tuple(row))
    return rows


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield db
    finally:
        db.close()
