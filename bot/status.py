"""``wikibot status``: what the state database says, without calling Reddit.

Times are ISO 8601 with the local UTC offset. Each page that needs something says which
command resolves it; an error followed by a successful run of the same job is marked
resolved.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from bot.config import Settings
from bot.errors import InputError
from bot.journal import WriteJournal, WriteKind, WriteStatus, reply_statuses
from bot.labels import ACTED_ON, LabelBook
from bot.lockfile import lock_holder, lock_path
from bot.state import RunRow, State, content_hash
from bot.wiki.plan import Kind, three_way
from bot.wiki.workspace import is_special, load_workspace

JOBS = ("sync", "replies", "feedback")


class Pending(StrEnum):
    """What a page waits for, as ``status`` says it."""

    CONFLICT = "conflict"
    DRIFT = "drift"
    LOCAL_CHANGES = "local changes to push"
    NEVER_SYNCED = "never synced"
    WIKI_ONLY = "only on the wiki"


NEEDS_A_PERSON = (Pending.DRIFT, Pending.CONFLICT, Pending.WIKI_ONLY)  # shown with the fix

_PENDING: dict[Kind, Pending | None] = {
    Kind.CONFLICT: Pending.CONFLICT,
    Kind.DRIFT: Pending.DRIFT,
    Kind.UPDATE: Pending.LOCAL_CHANGES,
    Kind.UNCHANGED: None,
}


@dataclass(frozen=True)
class PageStatus:
    """One page: when it was last synced, and what (if anything) it waits for."""

    page: str
    synced_revision: str | None
    synced_at: str | None
    wiki_revision: str | None
    wiki_edited_by: str | None
    pending: Pending | None
    resolve: str | None  # the command that resolves ``pending``


@dataclass(frozen=True)
class RunStatus:
    """One run of a daemon job; ``summary`` is its error when it failed."""

    job: str
    started_at: str | None
    finished_at: str | None
    ok: bool | None
    summary: str | None


@dataclass(frozen=True)
class ErrorStatus:
    """A failed run, ``resolved`` once a later run of the same job succeeded."""

    job: str
    started_at: str | None
    error: str | None
    resolved: bool


@dataclass(frozen=True)
class ReplyStatus:
    """A reply of the last 24 hours."""

    post_id: str
    status: str  # replied, intent, or deleted (deleting) when the reply was removed since
    audience: str | None
    comment_id: str | None
    title: str
    replied_at: str | None


@dataclass(frozen=True)
class AlertStatus:
    """A drift/conflict message sent to the moderators."""

    page: str
    revision: str
    kind: str
    author: str | None
    sent_at: str | None


@dataclass(frozen=True)
class LoopStatus:
    """Moderators in the loop: what the bot asked, answered and learned."""

    reports_made: int  # uncertain posts reported to the mod queue or sent in a digest
    reports_waiting: int  # queued for the next digest, or a report to confirm
    summons_answered: int  # !guide and !noguide by moderators and helpers
    feedback_acted_on: int  # removals, downvotes, askers' "wrong" and "stop"
    labels_by_source: dict[str, int]  # the label in force of each post, by its source
    label_events: int  # every label given, including those overruled


@dataclass(frozen=True)
class StatusReport:
    """Everything ``wikibot status`` shows; times are ISO 8601 in the local timezone."""

    target: str
    subreddit: str
    state_db: str
    daemon_pid: int | None  # the running daemon, if any
    next_runs: dict[str, str | None]  # job -> time, or "disabled"
    pages: list[PageStatus]
    local_error: str | None  # why the page files could not be read
    alerts: list[AlertStatus]
    moderation: LoopStatus
    replies_24h: list[ReplyStatus]
    errors: list[ErrorStatus]
    last_success: dict[str, RunStatus | None]
    last_runs: list[RunStatus]

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form: the same fields, enums as their values."""
        return asdict(self, dict_factory=_plain)


def _plain(items: list[tuple[str, object]]) -> dict[str, object]:
    return {key: value.value if isinstance(value, Enum) else value for key, value in items}


def iso(timestamp: float | None) -> str | None:
    """``2026-11-27T09:05:00+00:00`` in the local timezone, or None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp)).astimezone().isoformat(timespec="seconds")


def resolve_command(page: str, pending: Pending | None) -> str | None:
    """The command that resolves a page's pending state (as the modmail alert says)."""
    if pending is None:
        return None
    return {
        Pending.DRIFT: f"wikibot pull {page} (keep the wiki's edit) or wikibot push --force {page}",
        Pending.CONFLICT: (
            f"merge by hand, then wikibot push --force {page} (or pull --force {page})"
        ),
        Pending.LOCAL_CHANGES: f"wikibot push {page}",
        Pending.NEVER_SYNCED: f"wikibot push {page}",
        Pending.WIKI_ONLY: f"wikibot pull --all {page} (import it as a file)",
    }[pending]


def _pages(settings: Settings, state: State) -> tuple[list[PageStatus], str | None]:
    try:
        local = {name: page.content for name, page in load_workspace(settings).local.items()}
        local_error = None
    except InputError as exc:
        local, local_error = {}, str(exc)
    pages = []
    for name, record in state.pages.all().items():
        wiki_only = name not in local and record.synced_revision is None
        if wiki_only and (record.seen_revision is None or is_special(name) or local_error):
            continue
        local_changed = name in local and content_hash(local[name]) != record.synced_hash
        wiki_changed = (
            record.seen_revision is not None
            and record.synced_revision is not None
            and record.seen_revision != record.synced_revision
        )
        if wiki_only:
            pending: Pending | None = Pending.WIKI_ONLY
        else:
            pending = _PENDING[three_way(local_changed=local_changed, remote_changed=wiki_changed)]
        pages.append(
            PageStatus(
                page=name,
                synced_revision=record.synced_revision,
                synced_at=iso(record.synced_at),
                wiki_revision=record.seen_revision or None,
                wiki_edited_by=record.seen_author if wiki_changed or wiki_only else None,
                pending=pending,
                resolve=resolve_command(name, pending),
            )
        )
    for name in sorted(set(local) - {p.page for p in pages}):
        pages.append(
            PageStatus(
                page=name,
                synced_revision=None,
                synced_at=None,
                wiki_revision=None,
                wiki_edited_by=None,
                pending=Pending.NEVER_SYNCED,
                resolve=resolve_command(name, Pending.NEVER_SYNCED),
            )
        )
    return sorted(pages, key=lambda p: p.page), local_error


def _run(row: RunRow) -> RunStatus:
    return RunStatus(
        job=row.job,
        started_at=iso(row.started_at),
        finished_at=iso(row.finished_at),
        ok=row.ok,
        summary=row.summary if row.ok else (row.error or row.summary or ""),
    )


def _loop_status(state: State) -> LoopStatus:
    labels, journal = LabelBook(state), WriteJournal(state)
    actions = labels.actions()
    reviewed = (WriteKind.REPORT, WriteKind.DIGEST)
    return LoopStatus(
        reports_made=journal.count(reviewed, status=WriteStatus.DONE),
        reports_waiting=journal.count(reviewed) - journal.count(reviewed, status=WriteStatus.DONE),
        summons_answered=actions.get("summoned", 0) + actions.get("noguide", 0),
        feedback_acted_on=sum(actions.get(action, 0) for action in ACTED_ON),
        labels_by_source=labels.by_source(),
        label_events=len(labels.events()),
    )


def collect_status(settings: Settings, state: State) -> StatusReport:
    """Pages, pending drift/conflicts, recent replies, errors, last good runs, next runs."""
    pages, local_error = _pages(settings, state)
    now = time.time()
    replies = state.posts.replies_since(now - 86400)
    reply_status = reply_statuses(state, replies)
    holder = lock_holder(lock_path(settings.state_db))
    owner = holder.pid if holder is not None and holder.is_daemon else None
    next_runs: dict[str, str | None] = {}
    for job in JOBS:
        value = state.meta.get(f"next_run:{job}")
        if owner and value:
            next_runs[job] = value if value == "disabled" else iso(float(value))
    runs = state.runs.recent(1000)
    last_ok: dict[str, RunStatus | None] = {}
    for job in JOBS:
        good = next((r for r in runs if r.job == job and r.ok), None)
        last_ok[job] = _run(good) if good else None
    errors = []
    for row in state.runs.errors():
        later_ok = any(r.job == row.job and r.ok and r.id > row.id for r in runs)
        errors.append(
            ErrorStatus(
                job=row.job, started_at=iso(row.started_at), error=row.error, resolved=later_ok
            )
        )
    return StatusReport(
        target=settings.target,
        subreddit=settings.subreddit,
        state_db=str(settings.state_db),
        daemon_pid=owner,
        next_runs=next_runs,
        pages=pages,
        local_error=local_error,
        alerts=[  # the row's fields, one for one
            AlertStatus(a.page, a.revision, a.kind, a.author, sent_at=iso(a.sent_at))
            for a in state.alerts.all()[:20]
        ],
        moderation=_loop_status(state),
        replies_24h=[
            ReplyStatus(
                post_id=r.post_id,
                status=reply_status[r.post_id],
                audience=r.audience,
                comment_id=r.comment_id,
                title=r.title,
                replied_at=iso(r.replied_at),
            )
            for r in replies
        ],
        errors=errors,
        last_success=last_ok,
        last_runs=[_run(r) for r in runs[:6]],
    )
